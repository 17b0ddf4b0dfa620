"""The agent API in-process: payload format 2.0 events (as the HTTP API sends them after its JWT authorizer,
built by the local gateway's carebird_ops.local.apigateway.http_api_event) into the Powertools resolver,
the case-work service on fakes behind it, Powertools idempotency on moto."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
from moto import mock_aws

from carebird.agent_api import build_api
from carebird.agent_api.idempotency import PowertoolsOnce, table_persistence
from carebird.reports.service import ReportService
from carebird.team.model import AlarmState
from carebird.team.service import TeamService
from carebird_ops.local.apigateway import http_api_event
from tests.support.carebird_table import create_carebird_table
from tests.support.casework_fakes import BRAND_ID, NOW, CaseWorld
from tests.support.ingest_fakes import FakeClock, FakeStore
from tests.support.lambda_context import LambdaContextStub
from tests.support.report_fakes import FakeAlarms, FakeCounters

TODAY = NOW.date()  # the reports' today


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: Any


def unused(what: str) -> Callable[[], Any]:
    """A provider for a service the test's routes never reach: reaching it fails the test."""
    return lambda: pytest.fail(f"this test needs no {what}")


class Api:
    def __init__(self, world: CaseWorld, once: PowertoolsOnce) -> None:
        self.world = world
        self.resolver = build_api(
            service=lambda: world.service, once=lambda: once, reports=unused("reports"), team=unused("team")
        )

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        agent: str | None = "ana",
        brand: str = BRAND_ID,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
        claims: dict[str, str] | None = None,
    ) -> Answer:
        sent_headers = {"Content-Type": "application/json", **(headers or {})}
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        if claims is None and agent is not None:
            claims = {"cognito:username": agent, "custom:brand_id": brand, "token_use": "id"}
        event = http_api_event(
            api_id="api1",
            stage="v1",
            route_key="ANY /{proxy+}",
            method=method,
            raw_path=f"/v1{path}",
            raw_query=urlencode(query or {}),
            headers=sent_headers.items(),
            body=data,
            path_parameters={"proxy": path.lstrip("/")},
            claims=claims,
        )
        result = self.resolver.resolve(
            event, LambdaContextStub("carebird-AgentApiFunction", remaining_ms=30_000)
        )  # type: ignore[arg-type]
        raw_body = result.get("body") or ""
        assert "multiValueHeaders" not in result  # payload format 2.0 answers with headers (and cookies)
        headers_out = dict(result.get("headers") or {})
        is_json = headers_out.get("Content-Type", "application/json").startswith("application/json")
        parsed = (json.loads(raw_body) if is_json else raw_body) if raw_body else None
        return Answer(int(result["statusCode"]), headers_out, parsed)

    # shorthands
    def get(self, path: str, **kw: Any) -> Answer:
        return self.call("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Answer:
        return self.call("POST", path, body, **kw)


@pytest.fixture
def world() -> CaseWorld:
    return CaseWorld()


@pytest.fixture
def once(monkeypatch: pytest.MonkeyPatch) -> Iterator[PowertoolsOnce]:
    for key, value in {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("POWERTOOLS_IDEMPOTENCY_DISABLED", raising=False)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_carebird_table(client, "carebird-unit")
        yield PowertoolsOnce(table_persistence("carebird-unit"))


@pytest.fixture
def api(world: CaseWorld, once: PowertoolsOnce) -> Api:
    return Api(world, once)


class ReportsApi(Api):
    """The API with the report and team services too, on fakes: counters, alarms, ingested posts."""

    def __init__(self, world: CaseWorld, once: PowertoolsOnce) -> None:
        super().__init__(world, once)
        self.counters = FakeCounters()
        self.alarms = FakeAlarms(
            AlarmState(name="carebird-SlaBreachAlarm", state="ALARM", metric="SlaBreaches"),
            AlarmState(name="carebird-DeadLetterAlarm", state="OK", metric="DeadLetters"),
        )
        reports = ReportService(self.counters, world.brands, today=lambda: TODAY)
        self.ingested = FakeStore(FakeClock(NOW))
        team = TeamService(world.service, world.cases, world.roster, self.alarms, self.ingested)
        self.resolver = build_api(
            service=lambda: world.service, once=lambda: once, reports=lambda: reports, team=lambda: team
        )


@pytest.fixture
def rapi(world: CaseWorld, once: PowertoolsOnce) -> ReportsApi:
    return ReportsApi(world, once)
