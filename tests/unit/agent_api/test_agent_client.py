"""The terminal client's reply: one Idempotency-Key per reply, retried while it is not settled."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from carebird_ops.agent_client import AgentApiClient, ApiError


class ScriptedSession:
    def __init__(self, answers: list[tuple[int, dict[str, Any]] | Exception]) -> None:
        self.answers = answers
        self.sent: list[dict[str, Any]] = []

    def post(self, url: str, **kw: Any) -> requests.Response:
        self.sent.append({"url": url, **kw})
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        status, body = answer
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(body).encode()
        return response


def client(session: ScriptedSession) -> AgentApiClient:
    return AgentApiClient("http://api/v1", "tok", session=session, sleep=lambda s: None)  # type: ignore[arg-type]


SENT = {"id": "r1", "case_id": "c1", "channel": "public", "status": "sent", "x_ids": ["9"], "parts": []}


def test_a_reply_is_retried_with_the_same_key_until_it_settles() -> None:
    session = ScriptedSession([
        requests.ConnectionError("reset"),
        (503, {"error": {"code": "x_unavailable", "message": "X is down"}}),
        (409, {"error": {"code": "in_progress", "message": "still running"}}),
        (201, SENT),
    ])  # fmt: skip
    assert client(session).reply("c1", "hello") == SENT
    keys = {s["headers"]["Idempotency-Key"] for s in session.sent}
    assert len(session.sent) == 4 and len(keys) == 1
    assert (
        session.sent[0]["json"] == {"text": "hello"} and session.sent[0]["headers"]["Authorization"] == "tok"
    )


def test_a_refusal_is_not_retried_and_says_why() -> None:
    session = ScriptedSession(
        [(409, {"error": {"code": "claimed_by_other", "message": "held", "holder": "ben"}})]
    )
    with pytest.raises(ApiError) as refused:
        client(session).reply("c1", "hello")
    assert (refused.value.status, refused.value.code) == (409, "claimed_by_other")
    assert refused.value.body["error"]["holder"] == "ben" and len(session.sent) == 1


def test_giving_up_reports_the_last_answer() -> None:
    session = ScriptedSession([(202, {"status": "pending"})] * 4)
    with pytest.raises(ApiError) as unsettled:
        client(session).reply("c1", canned_response_id="refund", variables={"ref": "R1"}, attempts=4)
    assert unsettled.value.status == 202 and len(session.sent) == 4
    assert session.sent[0]["json"] == {"canned_response_id": "refund", "variables": {"ref": "R1"}}


def test_carebird_reply_prints_its_key_and_a_rerun_with_it_resumes_the_same_reply(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from carebird_ops.cli import console, main

    down = (503, {"error": {"code": "x_unavailable", "message": "X is down"}})
    session = ScriptedSession([down, down, down, down, (201, SENT)])
    monkeypatch.setattr(console, "client", lambda args: client(session))
    assert main(["reply", "c1", "hello"]) == 1
    first = capsys.readouterr().err
    key = first.split("Idempotency-Key: ", 1)[1].split()[0]
    assert f"--idempotency-key {key}" in first
    assert main(["reply", "c1", "hello", "--idempotency-key", key]) == 0
    assert {s["headers"]["Idempotency-Key"] for s in session.sent} == {key}
