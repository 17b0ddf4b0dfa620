"""SLA clocks on a local stack whose SLA targets run 600x faster (SlaClockScale): a P1 target of
15 minutes is 1.5 s, so the waits, the breach, its escalation and its metric happen within the test."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from carebird.brands import Brand
from carebird.storage.brands import DynamoBrandRepository
from carebird.storage.cases import DynamoCaseStore
from carebird_ops.local.endpoints import StackEndpoints, read_endpoints
from tests.conftest import carebird

SCALE = 600


@pytest.fixture(scope="module")
def sla_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackEndpoints]:
    state = tmp_path_factory.mktemp("sla-stack")
    env = {"CAREBIRD_LOCAL_DIR": str(state)}
    up = carebird(
        "local", "up", "--detach", "--aws-port", "0", "--x-port", "0", "--api-port", "0",
        "--parameter", f"SlaClockScale={SCALE}", env=env,
    )  # fmt: skip
    if up.returncode != 0:
        pytest.fail(f"carebird local up failed:\n{up.stderr}")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CAREBIRD_LOCAL_DIR", str(state))
        stack = read_endpoints()
        for key, value in stack.aws_env().items():
            mp.setenv(key, value)
        try:
            yield stack
        finally:
            carebird("local", "down", env=env)


def client(stack: StackEndpoints, service: str) -> Any:
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=stack.aws,
        region_name=stack.region,
        aws_access_key_id="l",
        aws_secret_access_key="l",
    )


def start(stack: StackEndpoints, text: str, followers: int = 10) -> tuple[str, str]:
    user_id = str(random.randint(10**9, 10**10))
    brand = Brand(handle=f"s{user_id[-8:]}", user_id=user_id, credentials_secret="unused", poll_enabled=False)
    DynamoBrandRepository(stack.resources["CarebirdTable"]).put_brand(brand)
    author = {"id": "42", "username": "alice", "followers_count": followers}
    mention = {
        "id": user_id, "author": author, "text": text,
        "created_at": datetime.now(UTC).isoformat(), "conversation_id": user_id, "lang": "en",
    }  # fmt: skip
    arn = client(stack, "stepfunctions").start_execution(
        stateMachineArn=stack.resources["TriageStateMachine"], name=f"sla-{user_id}",
        input=json.dumps({"brand_id": brand.id, "mention": mention}),
    )["executionArn"]  # fmt: skip
    return arn, f"{brand.id}-t{user_id}"


def wait_for(predicate: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def states(stack: StackEndpoints, arn: str) -> list[str]:
    events = client(stack, "stepfunctions").get_execution_history(executionArn=arn, maxResults=1000)["events"]
    return [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]


def test_an_ignored_case_goes_at_risk_then_breaches_and_is_escalated(sla_stack: StackEndpoints) -> None:
    sfn = client(sla_stack, "stepfunctions")
    arn, case_id = start(sla_stack, "@acme my flight was cancelled and I'm stranded, rebook me NOW!")
    done = wait_for(
        lambda: sfn.describe_execution(executionArn=arn)["status"] != "RUNNING", 60, "the execution"
    )
    assert done
    assert sfn.describe_execution(executionArn=arn)["status"] == "SUCCEEDED"
    assert states(sla_stack, arn)[-4:] == [
        "AwaitFirstResponse",
        "SlaAtRisk",
        "AwaitBeforeBreach",
        "SlaBreached",
    ]
    case = DynamoCaseStore(sla_stack.resources["CarebirdTable"]).get(case_id)
    assert case is not None
    kinds = [d.kind for d in case.decisions]
    assert "sla_at_risk" in kinds and "sla_breach" in kinds
    assert case.queue == "escalations" and case.sla_breaches == 1
    breach = next(d for d in case.decisions if d.kind == "sla_breach")
    assert "escalated from bookings to escalations" in breach.reason


def test_the_breach_metric_reaches_cloudwatch_with_its_dimensions(sla_stack: StackEndpoints) -> None:
    cloudwatch = client(sla_stack, "cloudwatch")

    def breaches() -> float:
        now = datetime.now(UTC)
        stats = cloudwatch.get_metric_statistics(
            Namespace="carebird",
            MetricName="SlaBreaches",
            Dimensions=[{"Name": "service", "Value": "route"}],
            StartTime=now - timedelta(hours=1),
            EndTime=now + timedelta(minutes=1),
            Period=60,
            Statistics=["Sum"],
        )
        return sum(p["Sum"] for p in stats["Datapoints"])

    assert wait_for(breaches, 30, "SlaBreaches in CloudWatch") >= 1
    detailed = cloudwatch.list_metrics(Namespace="carebird", MetricName="SlaBreaches")["Metrics"]
    assert any({"brand", "queue", "priority"} <= {d["Name"] for d in m["Dimensions"]} for m in detailed)


def test_a_first_reply_in_time_stops_the_clock_and_nothing_breaches(sla_stack: StackEndpoints) -> None:
    from carebird.sla_signal import StepFunctionsSignal

    sfn = client(sla_stack, "stepfunctions")
    arn, case_id = start(sla_stack, "@acme hello, where can I see my invoice?")
    store = DynamoCaseStore(sla_stack.resources["CarebirdTable"])
    waiting = wait_for(
        lambda: (c := store.get(case_id)) and c.first_response_task_token and c, 20, "the SLA watch"
    )
    # what the agent API does on the first reply (its own tests cover the HTTP side)
    StepFunctionsSignal(sfn).first_response(waiting.first_response_task_token, {"case_id": case_id})
    wait_for(lambda: sfn.describe_execution(executionArn=arn)["status"] != "RUNNING", 30, "the execution")
    path = states(sla_stack, arn)
    assert path[-1] == "Answered" and "SlaBreached" not in path
