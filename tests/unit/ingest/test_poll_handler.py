"""functions/poll/app.py: the scheduled handler, on fakes and then wired to its real adapters on moto."""

from __future__ import annotations

import importlib.util
import json
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from carebird.adapters.x.dms import TweepyDmReader
from carebird.adapters.x.mentions import TweepyMentionsReader, secrets_manager_credentials
from carebird.adapters.x.search import TweepyMentionsSearch
from carebird.brands import Brand
from carebird.ingest.model import Feed, MentionStatus
from carebird.ingest.poll import Poller
from carebird.ingest.profiles import ProfiledReader
from carebird.observability import metrics
from carebird.ports.x import XAuthError
from carebird.storage.brands import DynamoBrandRepository
from carebird.storage.ingest import DynamoIngestStore
from carebird.wiring import poll as service
from carebird.wiring.poll import PollRuntime
from carebird.wiring.poll_settings import PollSettings, poll_settings
from tests.support.carebird_table import REPO, create_carebird_table
from tests.support.ingest_fakes import brand
from tests.support.lambda_context import LambdaContextStub
from tests.support.x_http import CannedX
from tests.unit.ingest.world import World

ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:triage"
SCHEDULED = {
    "version": "0",
    "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2026-03-02T09:00:00Z",
    "region": "us-east-1",
    "resources": ["arn:aws:events:us-east-1:123456789012:rule/carebird-PollSchedule"],
    "detail": {},
}


def load_app() -> ModuleType:
    """Load the handler as Lambda does: the module file from functions/poll/, `carebird` importable."""
    spec = importlib.util.spec_from_file_location("poll_app", REPO / "functions" / "poll" / "app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def emf(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[[], dict[str, float]]:
    """Totals per metric of the EMF documents printed so far, as CloudWatch would read them."""
    monkeypatch.setattr(metrics, "namespace", "carebird")

    def totals() -> dict[str, float]:
        emitted: dict[str, float] = {}
        for line in capsys.readouterr().out.splitlines():
            if not (line.startswith("{") and '"_aws"' in line):
                continue
            document = json.loads(line)
            for definition in document["_aws"]["CloudWatchMetrics"]:
                for metric in definition["Metrics"]:
                    value = document[metric["Name"]]
                    total = sum(value) if isinstance(value, list) else value
                    emitted[metric["Name"]] = emitted.get(metric["Name"], 0) + total
        return emitted

    return totals


def test_importing_the_handler_reads_no_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TABLE_NAME", raising=False)
    monkeypatch.delenv("TRIAGE_STATE_MACHINE_ARN", raising=False)
    poll_settings.cache_clear()
    service.poll_runtime.cache_clear()
    load_app()
    assert poll_settings.cache_info().currsize == 0 and service.poll_runtime.cache_info().currsize == 0


def test_a_scheduled_run_returns_its_counts_and_one_failing_brand_does_not_stop_the_other(
    monkeypatch: pytest.MonkeyPatch, emf: Callable[[], dict[str, float]]
) -> None:
    w = World()
    acme, globex = w.add(brand("acme", "1000")), w.add(brand("globex", "2000"))
    w.x.post(acme, "my parcel never came")
    w.x.post(acme, "RT @acme: sale", author="77", retweet_of="1")
    original = w.x.read

    def globex_revoked(b: Brand, query: Any) -> Any:
        if b.user_id == globex.user_id:
            raise XAuthError("401 Unauthorized")
        return original(b, query)

    w.x.read = globex_revoked  # type: ignore[method-assign]
    poller = Poller(w.store, w.x, w.handoff, metrics, w.clock, w.tuning)
    # A one-second budget: one round, so each brand is polled exactly once.
    settings = PollSettings(table_name="t", triage_state_machine_arn=ARN, poll_budget_seconds=1)
    app = load_app()
    monkeypatch.setattr(app, "runtime", lambda: PollRuntime(settings, poller))

    result = app.handler(SCHEDULED, LambdaContextStub("carebird-PollFunction"))

    assert {k: result[k] for k in ("brands", "ingested", "skipped", "reads", "gaps", "errors")} == {
        "brands": 2,
        "ingested": 1,
        "skipped": 1,
        "reads": 2,
        "gaps": 0,
        "errors": 1,
    }
    emitted = emf()
    assert emitted["MentionsIngested"] == 1 and emitted["MentionsSkipped"] == 1
    assert emitted["PollErrors"] >= 1 and emitted["PollSucceeded"] >= 1
    assert emitted["XReads"] == 2 and "IngestLagSeconds" in emitted


# ---------------------------------------------------------------------- the real adapters, on moto
MENTIONS_PAGE = {
    "data": [
        {"id": "1790000000000000032", "author_id": "55", "text": "@acme no refund", "created_at": "{now}"},
        {"id": "1790000000000000031", "author_id": "55", "text": "@acme a refund?", "created_at": "{now}"},
    ],
    "includes": {"users": [{"id": "55", "username": "wanda", "name": "Wanda"}]},
    "meta": {"result_count": 2, "newest_id": "1790000000000000032"},
}
EMPTY = {"meta": {"result_count": 0}}
DM_EVENTS = {
    "data": [
        {
            "id": "1790000000000000041",
            "event_type": "MessageCreate",
            "text": "where is my refund?",
            "sender_id": "55",
            "dm_conversation_id": "55-1000",
            "created_at": "{now}",
        },
        {
            "id": "1790000000000000040",
            "event_type": "MessageCreate",
            "text": "Hi Wanda, how can we help?",
            "sender_id": "1000",
            "dm_conversation_id": "55-1000",
            "created_at": "{now}",
        },
    ],
    "includes": {"users": [{"id": "55", "username": "wanda", "name": "Wanda"}]},
    "meta": {"result_count": 2},
}


def test_wired_to_dynamodb_secrets_and_step_functions_a_run_ingests_and_triages_once(
    monkeypatch: pytest.MonkeyPatch, emf: Callable[[], dict[str, float]]
) -> None:
    from datetime import UTC, datetime

    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("TABLE_NAME", "carebird-CarebirdTable")
    monkeypatch.setenv("TRIAGE_STATE_MACHINE_ARN", ARN)
    monkeypatch.setenv("X_API_BASE_URL", "")
    monkeypatch.setenv("POLL_BUDGET_SECONDS", "0.01")
    # Time-scaled cadence, so that the second tick below finds the brand due again.
    monkeypatch.setenv("MIN_POLL_INTERVAL_SECONDS", "0.05")
    monkeypatch.setenv("MAX_POLL_INTERVAL_SECONDS", "0.05")
    poll_settings.cache_clear()
    service.poll_runtime.cache_clear()
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    page = json.loads(json.dumps(MENTIONS_PAGE).replace("{now}", now))
    dm_page = json.loads(json.dumps(DM_EVENTS).replace("{now}", now))
    reset = str(int(time.time()) + 2)  # a window about to reset: pacing allows the quick second tick
    headers = {"x-rate-limit-limit": "180", "x-rate-limit-remaining": "170", "x-rate-limit-reset": reset}
    # Nothing new after the page, however often the cadence reads (a read may fall due while it is written).
    canned = CannedX((200, page, headers), then=(200, EMPTY, headers))
    dm_headers = {**headers, "x-rate-limit-limit": "300", "x-rate-limit-remaining": "290"}
    # The second tick reads the newest event again: X has no since_id for DMs, the cursor stops the chain.
    canned_dms = CannedX((200, dm_page, dm_headers), (200, dm_page, dm_headers))

    with mock_aws():
        create_carebird_table(boto3.client("dynamodb"), "carebird-CarebirdTable")
        sfn = boto3.client("stepfunctions")
        sfn.create_state_machine(
            name="triage",
            definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
            roleArn="arn:aws:iam::123456789012:role/triage",
        )
        secret = "carebird/test/x/acme"
        boto3.client("secretsmanager").create_secret(
            Name=secret,
            SecretString=json.dumps(
                {"consumer_key": "k", "consumer_secret": "s", "access_token": "t", "access_token_secret": "x"}
            ),
        )
        DynamoBrandRepository("carebird-CarebirdTable").put_brand(
            Brand(handle="acme", user_id="1000", credentials_secret=secret)
        )
        rt = service.poll_runtime()
        # Each feed reads its messages with X's adapter and its authors through the directory.
        mentions, dms, search = rt.poller.mentions, rt.poller.dms, rt.poller.mentions_search
        assert isinstance(mentions, ProfiledReader) and isinstance(mentions.reader, TweepyMentionsReader)
        assert isinstance(dms, ProfiledReader) and isinstance(dms.reader, TweepyDmReader)
        # gaps past the timeline's reach
        assert isinstance(search, ProfiledReader) and isinstance(search.reader, TweepyMentionsSearch)
        # The one seam: X answers from canned HTTP responses instead of the network.
        rt.poller.mentions = TweepyMentionsReader(secrets_manager_credentials(0), None, transport=canned)
        rt.poller.dms = TweepyDmReader(secrets_manager_credentials(0), None, transport=canned_dms)
        app = load_app()

        first = app.handler(SCHEDULED, LambdaContextStub("carebird-PollFunction"))
        time.sleep(0.1)
        second = app.handler({**SCHEDULED, "id": "another-tick"}, LambdaContextStub("carebird-PollFunction"))

        store = DynamoIngestStore("carebird-CarebirdTable")
        stored = store.list_messages("1000", Feed.MENTIONS)
        dms = store.list_messages("1000", Feed.DMS)
        executions = sfn.list_executions(stateMachineArn=ARN)["executions"]
        dm_input = json.loads(
            sfn.describe_execution(
                executionArn=next(e["executionArn"] for e in executions if e["name"].startswith("d-"))
            )["input"]
        )

    assert (first["ingested"], first["reads"], first["errors"]) == (2, 2, 0)
    assert (first["dms_ingested"], first["dms_skipped"], first["dm_reads"]) == (1, 1, 2)
    emitted = emf()
    assert emitted["PollSucceeded"] == 2 and emitted["DmsIngested"] == 1
    assert (second["ingested"], second["reads"], second["errors"]) == (0, 0, 0)
    assert (second["dms_ingested"], second["duplicates"]) == (0, 0)  # the cursor ended the second chain
    assert [m.status for m in stored] == [MentionStatus.HANDED_OFF] * 2
    assert [(d.dm.id, d.status) for d in dms] == [
        ("1790000000000000041", MentionStatus.HANDED_OFF),
        ("1790000000000000040", MentionStatus.SKIPPED),  # the brand's own answer
    ]
    names = sorted(e["name"] for e in executions)
    assert names == ["d-1000-1790000000000000041", "m-1000-1790000000000000031", "m-1000-1790000000000000032"]
    assert dm_input["dm"] == {
        "id": "1790000000000000041",
        "text": "where is my refund?",
        "created_at": dm_input["dm"]["created_at"],
        "sender": {
            "id": "55",
            "username": "wanda",
            "name": "Wanda",
            "followers_count": None,
            "verified": None,
        },
        "dm_conversation_id": "55-1000",
    }
    dm_query = canned_dms.requests[0].url or ""
    assert "event_types=MessageCreate" in dm_query and "expansions" not in dm_query
    second_query = canned.requests[1].url or ""
    assert "since_id=1790000000000000032" in second_query  # the cursor carried over between invocations
    poll_settings.cache_clear()
    service.poll_runtime.cache_clear()
