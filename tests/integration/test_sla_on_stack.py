"""SLA clocks on a local stack whose SLA targets run 600x faster (SlaClockScale): a P1 target of
15 minutes is 1.5 s, so the alarms, the breaches, their escalation and metric happen within the test.

Each open clock of a case is an EventBridge Scheduler one-time schedule in the stack's SlaAlarmGroup,
which the local stack fires as Scheduler does (carebird_ops.local.scheduler.OneTimeSchedules). What the
agent API does to a case (a reply, a resolution) is done here through the same functions it uses
(carebird.sla.clocks, carebird.sla.wakes with the Scheduler adapter); its own tests cover the HTTP side.
The SLA watch executions of the release before (Step Functions, task tokens) still run for cases opened
before an upgrade: the last two tests start one and wake it as this release does."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from carebird.adapters.aws.scheduler import SchedulerClockAlarm, SchedulerSettings
from carebird.adapters.aws.sla_signal import StepFunctionsSignal
from carebird.brands import Brand
from carebird.brands.desk import DEFAULT_TRIAGE
from carebird.cases.model import Case, CaseStatus
from carebird.cases.ports import CaseConflict
from carebird.sla import clocks, wakes
from carebird.sla.ports import WATCH_TOKEN_PREFIX, SlaSignals
from carebird.storage.brands import DynamoBrandRepository
from carebird.storage.cases import DynamoCaseStore
from carebird_ops.local.endpoints import StackEndpoints, read_endpoints
from tests.conftest import carebird
from tests.support.local_stack import stack_client

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


def start(
    stack: StackEndpoints,
    text: str,
    followers: int = 10,
    *,
    settings: dict[str, Any] | None = None,
    reply_to: tuple[str, str] | None = None,
) -> tuple[str, str]:
    """A customer's mention, handed to triage: the triage execution, and the case once it is routed.
    `reply_to` (brand id, conversation id): a later message of that conversation (it starts the
    next-response clock); otherwise a new brand (with `settings`) and conversation."""
    mention_id = str(random.randint(10**9, 10**10))
    if reply_to is None:
        brand = Brand(
            handle=f"s{mention_id[-8:]}", user_id=mention_id, credentials_secret="unused",
            poll_enabled=False, settings=settings or {},
        )  # fmt: skip
        DynamoBrandRepository(stack.resources["CarebirdTable"]).put_brand(brand)
        brand_id, conversation = brand.id, mention_id
    else:
        brand_id, conversation = reply_to
    author = {"id": "42", "username": "alice", "followers_count": followers}
    mention = {
        "id": mention_id, "author": author, "text": text,
        "created_at": datetime.now(UTC).isoformat(), "conversation_id": conversation, "lang": "en",
    }  # fmt: skip
    sfn = stack_client(stack, "stepfunctions")
    arn = sfn.start_execution(
        stateMachineArn=stack.resources["TriageStateMachine"], name=f"sla-{mention_id}",
        input=json.dumps({"brand_id": brand_id, "mention": mention}),
    )["executionArn"]  # fmt: skip
    case_id = f"{brand_id}-t{conversation}"
    wait_for(lambda: sfn.describe_execution(executionArn=arn)["status"] != "RUNNING", 30, "triage")
    assert sfn.describe_execution(executionArn=arn)["status"] == "SUCCEEDED"
    return arn, case_id


def signals(stack: StackEndpoints) -> SlaSignals:
    """The alarms and the legacy signal as the functions wire them, from the Route function's environment."""
    env = stack_client(stack, "lambda").get_function_configuration(
        FunctionName=stack.resources["RouteFunction"]
    )["Environment"]["Variables"]
    settings = SchedulerSettings(
        group=env["SLA_ALARM_GROUP"],
        target_arn=env["SLA_ALARM_TARGET_ARN"],
        role_arn=env["SLA_ALARM_ROLE_ARN"],
    )
    alarm = SchedulerClockAlarm(settings, stack_client(stack, "scheduler"))
    return SlaSignals(alarm=alarm, legacy=StepFunctionsSignal(stack_client(stack, "stepfunctions")))


def alarms_of(stack: StackEndpoints, case_id: str) -> list[str]:
    """The clocks of the case that have an alarm set (a schedule in the stack's group), sorted."""
    listed = stack_client(stack, "scheduler").list_schedules(
        GroupName=stack.resources["SlaAlarmGroup"], NamePrefix=f"{case_id}."
    )["Schedules"]
    return sorted(schedule["Name"].split(".")[-2] for schedule in listed)


def agent_acts(stack: StackEndpoints, case_id: str, **changes: Any) -> Case:
    """A change the agent API makes (reply: pending_customer; resolve), with the clocks' rules applied and,
    once saved, the alarms set and cleared and the legacy watches woken, as carebird.casework does."""
    store = DynamoCaseStore(stack.resources["CarebirdTable"])
    wired = signals(stack)
    for _ in range(5):  # the alarm function writes the case too: re-read and apply again
        now = datetime.now(UTC)
        before = store.get(case_id)
        assert before is not None
        after = before.model_copy(update=changes)
        if changes.get("status") is CaseStatus.PENDING_CUSTOMER and before.first_response_at is not None:
            after, _ = clocks.stop_next_response(after, now, "ana")
        after, woken = clocks.settle(before, after, now, None)
        try:
            saved = store.save(after)
        except CaseConflict:
            continue
        wakes.after_save(wired, store, before, saved, woken)
        return saved
    raise AssertionError(f"case {case_id} kept changing")


def first_response_token(store: DynamoCaseStore, case_id: str) -> str | None:
    """The task token of the watch waiting for the case's first reply (kept beside the case), if one waits."""
    case = store.get(case_id)
    key = case.watched.get(clocks.FIRST_RESPONSE) if case is not None else None
    return store.watch_token(case_id, clocks.FIRST_RESPONSE, key) if key is not None else None


def wait_for(predicate: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def states(stack: StackEndpoints, arn: str) -> list[str]:
    events = stack_client(stack, "stepfunctions").get_execution_history(executionArn=arn, maxResults=1000)[
        "events"
    ]
    return [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]


def test_an_ignored_case_goes_at_risk_then_breaches_and_is_escalated(sla_stack: StackEndpoints) -> None:
    _, case_id = start(sla_stack, "@acme my flight was cancelled and I'm stranded, rebook me NOW!")
    store = DynamoCaseStore(sla_stack.resources["CarebirdTable"])
    # P1: first response due in 1.5 s, resolution in 24 s; nobody answers, nobody resolves.
    wait_for(lambda: (c := store.get(case_id)) and c.sla_breaches == 2, 90, "both breaches")
    case = store.get(case_id)
    assert case is not None
    kinds = [d.kind for d in case.decisions]
    assert "sla_at_risk" in kinds and "sla_breach" in kinds
    assert case.queue == "escalations" and case.sla_breaches == 2
    first, resolution = (d for d in case.decisions if d.kind == "sla_breach")
    assert first.value == "first_response" and "escalated from bookings to escalations" in first.reason
    assert resolution.value == "resolution@resolution"
    assert [d.value for d in case.decisions if d.kind == "sla_at_risk"][1:] == ["resolution@resolution"]
    # Every alarm rang and is gone, as the watch execution ended (was: SUCCEEDED, ended in Await).
    assert alarms_of(sla_stack, case_id) == []


def test_the_breach_metric_reaches_cloudwatch_with_its_dimensions(sla_stack: StackEndpoints) -> None:
    cloudwatch = stack_client(sla_stack, "cloudwatch")

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
    _, case_id = start(sla_stack, "@acme hello, where can I see my invoice?")
    store = DynamoCaseStore(sla_stack.resources["CarebirdTable"])
    assert alarms_of(sla_stack, case_id) == ["fr", "res"]
    # What the agent API saves on the first reply (its own tests cover the HTTP side).
    agent_acts(sla_stack, case_id, first_response_at=datetime.now(UTC), sla_met=True)
    # The resolution clock (P3: 144 s) goes on, until the case is resolved (was: the watch ran on).
    assert alarms_of(sla_stack, case_id) == ["res"]
    agent_acts(sla_stack, case_id, status=CaseStatus.RESOLVED)
    # No alarm left behind (was: the execution ended); none rang, nothing breached.
    assert alarms_of(sla_stack, case_id) == []
    case = store.get(case_id)
    assert case is not None and case.sla_breaches == 0
    assert not any(d.kind == "sla_at_risk" for d in case.decisions)
    assert next(d.value for d in case.decisions if d.kind == "resolution") == "met"


QUICK = {  # at 600x: first response 3 s, next response 2 s, resolution 10 s, whatever the priority
    **DEFAULT_TRIAGE,
    "sla": {
        p: {"first_response_minutes": 30, "next_response_minutes": 20, "resolution_minutes": 100}
        for p in ("P1", "P2", "P3", "P4")
    },
}


def test_waiting_on_the_customer_pauses_resolution_and_their_next_message_starts_a_next_response_clock(
    sla_stack: StackEndpoints,
) -> None:
    store = DynamoCaseStore(sla_stack.resources["CarebirdTable"])
    _, case_id = start(sla_stack, "@acme where is my invoice?", settings={"triage": QUICK})
    waiting = store.get(case_id)
    assert waiting is not None
    paused = agent_acts(
        sla_stack,
        case_id,
        status=CaseStatus.PENDING_CUSTOMER,
        first_response_at=datetime.now(UTC),
        sla_met=True,
    )
    assert paused.resolution_paused_at is not None and paused.resolution_left_s is not None
    assert alarms_of(sla_stack, case_id) == []  # answered, and resolution paused: nothing to ring
    original_due = waiting.resolution_due
    assert original_due is not None
    # Past the resolution target as first set: paused, so nothing breaches.
    wait_for(lambda: datetime.now(UTC) > original_due + timedelta(seconds=2), 30, "the original target")
    assert store.get(case_id).sla_breaches == 0  # type: ignore[union-attr]

    brand_id, conversation = case_id.split("-t")
    start(sla_stack, "@acme still nothing, hello?", reply_to=(brand_id, conversation))
    # Resumed, and a next-response clock: both alarmed (was: a next-response watch execution started).
    assert alarms_of(sla_stack, case_id) == ["nr", "res"]
    wait_for(lambda: (c := store.get(case_id)) and c.sla_breaches == 2, 60, "both breaches")
    assert alarms_of(sla_stack, case_id) == []

    case = store.get(case_id)
    assert case is not None
    by_kind = {d.kind + ":" + d.value.split("@")[0]: d for d in case.decisions}
    resumed, breach = by_kind["sla_resumed:resolution"], by_kind["sla_breach:resolution"]
    assert "sla_paused:resolution" in by_kind and "sla_breach:next_response" in by_kind
    # The breach came when the time left at the pause had run out after the customer wrote, not before.
    left = timedelta(seconds=paused.resolution_left_s)
    assert breach.at >= resumed.at + left - timedelta(seconds=1), (resumed.at, left, breach.at)
    assert case.sla_breaches == 2


def test_a_watch_execution_started_before_the_upgrade_is_woken_as_before_and_ends(
    sla_stack: StackEndpoints,
) -> None:
    """A case opened by the release before has an SLA watch execution (SlaWatchStateMachine, kept for
    them) waiting on its clock with a task token; this release's reply and resolution wake it as before."""
    sfn = stack_client(sla_stack, "stepfunctions")
    store = DynamoCaseStore(sla_stack.resources["CarebirdTable"])
    triaged, case_id = start(sla_stack, "@acme hello, where can I see my receipt?")
    state = json.loads(sfn.describe_execution(executionArn=triaged)["output"])
    outcome = state["outcome"]["value"]
    # What the release before's triage handed its watch (this release starts none).
    outcome["watch"] = {"clock": "first_response", "wait_seconds": outcome["at_risk_in_seconds"] + 60}
    legacy = sfn.start_execution(
        stateMachineArn=sla_stack.resources["SlaWatchStateMachine"],
        name=f"fr-{case_id}",
        input=json.dumps(state),
    )["executionArn"]
    token = wait_for(lambda: first_response_token(store, case_id), 20, "the legacy watch's token")
    # The first reply, as the agent API signals a watch it finds on the case.
    signals(sla_stack).legacy.look_again(token, {"case_id": case_id})
    wait_for(lambda: (c := store.get(case_id)) and c.watched.get("resolution"), 30, "its resolution wait")
    agent_acts(sla_stack, case_id, status=CaseStatus.RESOLVED)
    wait_for(
        lambda: sfn.describe_execution(executionArn=legacy)["status"] != "RUNNING", 30, "the legacy watch"
    )
    assert sfn.describe_execution(executionArn=legacy)["status"] == "SUCCEEDED"
    assert states(sla_stack, legacy)[:2] == ["Await", "Evaluate"]
    assert alarms_of(sla_stack, case_id) == []


def test_a_watch_of_the_first_definition_still_running_after_an_upgrade_is_woken_and_ends(
    sla_stack: StackEndpoints,
) -> None:
    """Step Functions keeps an execution on the definition it started with: a watch started before the
    upgrade goes on in the old states, and this release's signals must not fail it."""
    sfn = stack_client(sla_stack, "stepfunctions")
    store = DynamoCaseStore(sla_stack.resources["CarebirdTable"])
    triaged, case_id = start(sla_stack, "@acme hello, where can I see my receipt?")
    execution_input = sfn.describe_execution(executionArn=triaged)["output"]  # what triage handed it
    watch_machine = sla_stack.resources["SlaWatchStateMachine"]
    route = json.loads(sfn.describe_state_machine(stateMachineArn=watch_machine)["definition"])["States"][
        "Await"
    ]["Parameters"]["FunctionName"]
    first_definition = (Path(__file__).parent / "sla_watch_first_definition.asl.json").read_text()
    machine = sfn.create_state_machine(
        name=f"sla-watch-first-{random.randint(10**5, 10**6)}",
        definition=first_definition.replace("${RouteFunctionArn}", route),
        roleArn="arn:aws:iam::123456789012:role/local",
    )["stateMachineArn"]
    old = sfn.start_execution(stateMachineArn=machine, input=execution_input)["executionArn"]
    token = wait_for(
        lambda: (t := first_response_token(store, case_id)) and not t.startswith(WATCH_TOKEN_PREFIX) and t,
        20,
        "the first definition's first-response wait",
    )
    # The first reply, as the agent API signals it; then the resolution, as casework saves and signals it.
    StepFunctionsSignal(sfn).look_again(token, {"case_id": case_id})
    wait_for(lambda: (c := store.get(case_id)) and c.watched.get("resolution"), 30, "its next wait")
    for _ in range(5):
        before = store.get(case_id)
        assert before is not None
        after, tokens = clocks.settle(
            before, before.model_copy(update={"status": CaseStatus.RESOLVED}), datetime.now(UTC), None
        )
        try:
            saved = store.save(after)
        except CaseConflict:
            continue
        wakes.after_save(signals(sla_stack), store, before, saved, tokens)
        break
    wait_for(lambda: sfn.describe_execution(executionArn=old)["status"] != "RUNNING", 30, "the old watch")
    assert sfn.describe_execution(executionArn=old)["status"] == "SUCCEEDED"
    path = states(sla_stack, old)
    assert path[:3] == ["WhichClock?", "AwaitFirstResponse", "ResolutionClock"]
    assert "AwaitResolution" in path and path[-1] == "ResolutionDone"


SLOW = {  # at 600x: first response 10,000 s, so the alarms triage sets stay far off during the test
    **DEFAULT_TRIAGE,
    "sla": {
        p: {
            "first_response_minutes": 100_000,
            "next_response_minutes": 100_000,
            "resolution_minutes": 200_000,
        }
        for p in ("P1", "P2", "P3", "P4")
    },
}


def test_a_clock_whose_alarm_was_lost_is_found_by_the_follow_up_sweep_and_escalates(
    sla_stack: StackEndpoints,
) -> None:
    """A save that moved the first-response moment was stored, but its alarm was never set (Scheduler
    failed after the save): the follow-up function, invoked as its schedule does, sets the alarm again once
    the moment is 3 minutes past, and the ring warns and escalates, once each."""
    store = DynamoCaseStore(sla_stack.resources["CarebirdTable"])
    _, case_id = start(sla_stack, "@acme where is my refund?", settings={"triage": SLOW})
    routed = store.get(case_id)
    assert routed is not None and routed.sla_breaches == 0
    now = datetime.now(UTC)
    store.save(  # no carebird.sla.wakes.after_save: the alarm of the moved moment is lost
        routed.model_copy(
            update={
                "at_risk_at": now - timedelta(minutes=5),
                "first_response_due": now - timedelta(minutes=4),
            }
        )
    )
    answer = stack_client(sla_stack, "lambda").invoke(
        FunctionName=sla_stack.resources["FollowupFunction"], Payload=b"{}"
    )
    result = json.loads(answer["Payload"].read())
    assert "FunctionError" not in answer, result
    assert result["sla_alarms_set_again"] >= 1
    escalated = wait_for(
        lambda: (c := store.get(case_id)) and c.sla_breaches == 1 and c, 30, "the escalation"
    )
    kinds = [d.kind for d in escalated.decisions]
    assert kinds.count("sla_at_risk") == 1 and kinds.count("sla_breach") == 1
    assert escalated.queue == "escalations"
