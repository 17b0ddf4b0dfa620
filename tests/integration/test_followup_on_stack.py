"""Follow-up on the local stack: a resolved case's customer is surveyed once by DM, their rating is read
from their next DM, and a low score reopens the case. Real handlers, the X emulator, the agent API."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from carebird_ops.agent_auth import sign_in
from carebird_ops.agent_client import AgentApiClient
from carebird_ops.local.endpoints import StackEndpoints
from carebird_ops.xemu.client import EmulatorClient
from tests.conftest import carebird

HANDLE = "SurveyHelp"
PASSWORD = "Survey-test-pw-1"


def wait_for(what: str, check: Callable[[], Any], timeout: float = 90) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def test_a_low_rating_after_resolution_reopens_the_case(
    local_stack: StackEndpoints, monkeypatch: pytest.MonkeyPatch
) -> None:
    from carebird.storage.cases import DynamoCaseStore
    from carebird.storage.surveys import DynamoSurveyStore

    for key, value in local_stack.aws_env().items():
        monkeypatch.setenv(key, value)
    table = local_stack.resources["CarebirdTable"]
    x = EmulatorClient(local_stack.x_api)
    brand = x.ensure_user(HANDLE, verified=True, followers=1000)
    credentials = x.credentials(HANDLE)
    secret = f"carebird/carebird/x/{HANDLE.lower()}"
    boto3.client("secretsmanager").create_secret(
        Name=secret,
        SecretString=json.dumps({k: credentials.get(k, "") for k in (
            "consumer_key", "consumer_secret", "access_token", "access_token_secret", "bearer_token")}),
    )  # fmt: skip
    survey = {"delay_minutes": 0, "wording": "@{customer} how did @{brand} do, 1-5?"}
    added = carebird(
        "brand", "add", "--handle", HANDLE, "--user-id", brand["id"], "--secret", secret,
        "--setting", f"survey={json.dumps(survey)}",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    agent = carebird(
        "agent", "add", "--brand", HANDLE, "--id", "sue", "--skills", "billing", "--password", PASSWORD
    )
    assert agent.returncode == 0, agent.stderr

    x.ensure_user("rita", followers=40)
    post = x.post("rita", f"@{HANDLE} I was charged twice for my ticket, refund please")
    case_id = f"{brand['id']}-t{post['id']}"
    cases = DynamoCaseStore(table)
    wait_for("the mention to become a case", lambda: cases.get(case_id))

    token = sign_in(
        local_stack.resources["AgentUserPoolClient"], "sue", PASSWORD, local_stack.agent_api
    ).id_token
    api = AgentApiClient(local_stack.agent_api, token)
    if cases.get(case_id).assignee is None:  # type: ignore[union-attr]
        api.claim(case_id)
    api.reply(case_id, "Sorry about that, the second charge is refunded.")
    api.resolve(case_id, "refunded")

    surveys = DynamoSurveyStore(table)
    sent = wait_for("the survey to be sent", lambda: (s := surveys.get(case_id)) and s.sent_at and s)
    assert sent.channel == "dm"
    dms = [d for d in x.dms(user="rita") if d["sender"].lower() == HANDLE.lower()]
    assert [d["text"] for d in dms] == [f"@rita how did @{HANDLE} do, 1-5?"]  # asked once

    x.dm("rita", HANDLE, "1, the refund never arrived")
    answered = wait_for("the rating to be read", lambda: (s := surveys.get(case_id)) and s.score and s)
    assert answered.score == 1 and answered.answer == "1, the refund never arrived"
    reopened = wait_for("the case to reopen", lambda: (c := cases.get(case_id)) and c.status.is_open and c)
    assert reopened.queue == "escalations"
    assert "CSAT 1/5" in reopened.decisions[-2].reason or "CSAT 1/5" in reopened.decisions[-1].reason
