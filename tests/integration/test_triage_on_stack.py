"""Real executions of the real triage ASL on the local stack, through each of its paths. Most start with
the input shape of the release before (no "classifier": Classify reads the brand); `handed_off` starts
them as the poll function does, with the brand's settings in the input."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from carebird.adapters.aws.handoff import StepFunctionsHandoff, execution_name
from carebird.brands import Brand
from carebird.brands.desk import DEFAULT_TRIAGE
from carebird.cases.model import Agent, Case
from carebird.ingest.model import IngestedMention, Mention, MentionStatus
from carebird.storage.agents import DynamoAgentDirectory
from carebird.storage.brands import DynamoBrandRepository
from carebird.storage.cases import DynamoCaseStore
from carebird_ops.local.endpoints import StackEndpoints


@pytest.fixture
def aws(local_stack: StackEndpoints, monkeypatch: pytest.MonkeyPatch) -> StackEndpoints:
    for key, value in local_stack.aws_env().items():
        monkeypatch.setenv(key, value)
    return local_stack


@pytest.fixture
def brand(aws: StackEndpoints) -> Iterator[Brand]:
    """A brand of its own per test (the stack is shared), not polled: executions are started directly."""
    user_id = str(random.randint(10**9, 10**10))
    created = Brand(
        handle=f"b{user_id[-8:]}", user_id=user_id, credentials_secret="unused", poll_enabled=False
    )
    DynamoBrandRepository(aws.resources["CarebirdTable"]).put_brand(created)
    DynamoAgentDirectory(aws.resources["CarebirdTable"]).put(
        Agent(id="ana", brand_id=user_id, skills=("billing", "bookings"), languages=("en", "es"), capacity=5)
    )
    yield created


def mention(tweet_id: str, text: str, author: str = "42", conversation: str | None = None) -> dict[str, Any]:
    return {
        "id": tweet_id,
        "author": {"id": author, "username": f"user{author}", "followers_count": 150},
        "text": text,
        "created_at": datetime.now(UTC).isoformat(),
        "conversation_id": conversation or tweet_id,
        "referenced": [],
        "lang": "en",
        "public_metrics": {},
    }


def sfn_client(stack: StackEndpoints) -> Any:
    return boto3.client(
        "stepfunctions", endpoint_url=stack.aws, region_name=stack.region,
        aws_access_key_id="l", aws_secret_access_key="l",
    )  # fmt: skip


def execute(stack: StackEndpoints, name: str, state: dict[str, Any]) -> dict[str, Any]:
    """Run one triage execution to its end and return its output, the state after its last step.
    Triage is an Express workflow: AWS keeps no history of it to describe (its failures go to its log
    group), but moto does, and runs it as it runs every workflow."""
    sfn = sfn_client(stack)
    arn = sfn.start_execution(
        stateMachineArn=stack.resources["TriageStateMachine"], name=name, input=json.dumps(state)
    )["executionArn"]
    deadline = time.monotonic() + 60
    while (execution := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
        assert time.monotonic() < deadline, f"{name} still running after 60 s"
        time.sleep(0.1)
    assert execution["status"] == "SUCCEEDED", execution
    output: dict[str, Any] = json.loads(execution["output"])
    return output


def watch_of(stack: StackEndpoints, case: Case) -> dict[str, Any]:
    """The case's SLA watch: its clocks' alarms (one-time schedules in the stack's SlaAlarmGroup), by name,
    with when each was created."""
    scheduler = boto3.client(
        "scheduler", endpoint_url=stack.aws, region_name=stack.region,
        aws_access_key_id="l", aws_secret_access_key="l",
    )  # fmt: skip
    listed = scheduler.list_schedules(GroupName=stack.resources["SlaAlarmGroup"], NamePrefix=f"{case.id}.")
    return {s["Name"]: s["CreationDate"] for s in listed["Schedules"]}


def case_of(stack: StackEndpoints, output: dict[str, Any]) -> Case:
    case = DynamoCaseStore(stack.resources["CarebirdTable"]).get(output["outcome"]["value"]["case_id"])
    assert case is not None
    return case


def run(stack: StackEndpoints, brand: Brand, tweet_id: str, text: str, **kw: Any) -> tuple[Case, list[str]]:
    state = {
        "brand_id": brand.id,
        "mention": mention(tweet_id, text, **kw),
        "ingested_at": "2026-11-23T10:00:00Z",
    }
    output = execute(stack, f"it-{brand.id}-{tweet_id}", state)
    # Which steps ran, as the output shows them: Classify adds "classified", a failure "error", and
    # Route, CloseNoise or NeedsHuman "outcome" (the case's).
    steps = [key for key in ("classified", "error", "outcome") if key in output]
    return case_of(stack, output), steps


def test_a_complaint_is_routed_to_its_skill_queue_and_agent(aws: StackEndpoints, brand: Brand) -> None:
    case, path = run(aws, brand, "1", "@acme I was charged twice for my booking, I need a refund")
    assert path == ["classified", "outcome"]
    assert (case.queue, case.assignee, case.status.value) == ("billing", "ana", "assigned")
    assert case.classification["sentiment"]["label"] == "negative"
    assert {d.kind for d in case.decisions} >= {"queue", "priority", "sla", "assignment"}
    assert case.first_response_due is not None


def test_sure_spam_is_closed_automatically_with_the_reason(aws: StackEndpoints, brand: Brand) -> None:
    case, path = run(
        aws, brand, "2", "@acme FREE crypto giveaway!!! click http://win-btc.example.com to claim"
    )
    assert path == ["classified", "outcome"]
    assert case.status.value == "closed" and (case.closed_reason or "").startswith(
        "closed automatically: spam"
    )


def test_praise_waits_in_the_acknowledge_lane(aws: StackEndpoints, brand: Brand) -> None:
    case, _ = run(aws, brand, "3", "@acme thank you so much, the crew on my flight today was amazing!")
    assert (case.status.value, case.queue, case.priority) == ("queued", "acknowledge", "P4")


@pytest.mark.parametrize(
    ("tweet_id", "text", "queue"),
    [
        # Closed unseen by the old rules ("needs no response"): a complaint, sarcasm included.
        (
            "31",
            "been on the phone for over an hour with customer service and they can't figure it out! "
            "awesome service... NOT!",
            "triage",
        ),
        # Closed as "follower bait" by the old rules: a customer asking to continue by DM.
        (
            "32",
            "now you have Cancelled my wife and daughter's flt?? What's going on? "
            "Follow me so I can dm details.",
            "bookings",
        ),
    ],
)
def test_a_complaint_the_old_rules_closed_reaches_a_queue(
    aws: StackEndpoints, brand: Brand, tweet_id: str, text: str, queue: str
) -> None:
    case, path = run(aws, brand, tweet_id, f"@acme {text}")
    assert path == ["classified", "outcome"]
    assert case.status.is_open and case.queue == queue and case.priority in ("P1", "P2", "P3")
    if queue == "bookings":
        assert case.assignee == "ana" and case.priority in ("P1", "P2")
        assert case.classification["wants_dm"]["value"] is True


def test_no_recognisable_skill_goes_to_the_triage_queue(aws: StackEndpoints, brand: Brand) -> None:
    case, _ = run(aws, brand, "4", "@acme hello? is anyone there")
    assert case.queue == "triage" and case.assignee is None
    assert "no skill recognised" in case.decisions[0].reason


def test_a_reply_in_the_conversation_joins_the_open_case(aws: StackEndpoints, brand: Brand) -> None:
    first, _ = run(aws, brand, "5", "@acme my flight was cancelled, please rebook me", author="77")
    second, _ = run(aws, brand, "6", "@acme still waiting, any news?", author="77", conversation="5")
    assert second.id == first.id and second.message_ids == ("5", "6")


def test_a_dm_from_the_customer_joins_their_open_case(aws: StackEndpoints, brand: Brand) -> None:
    first, _ = run(aws, brand, "7", "@acme I was charged twice for my ticket", author="88")
    dm = {
        "id": "9007",
        "text": "here is my booking reference ABC123",
        "created_at": datetime.now(UTC).isoformat(),
        "sender": {"id": "88", "username": "user88"},
    }
    output = execute(aws, f"it-{brand.id}-dm-9007", {"brand_id": brand.id, "dm": dm})
    joined = case_of(aws, output)
    assert joined.id == first.id and "9007" in joined.message_ids


def test_a_classifier_that_raises_sends_the_message_to_people(aws: StackEndpoints, brand: Brand) -> None:
    broken = brand.model_copy(update={"settings": {"models": 42}})  # not a list of model sources
    DynamoBrandRepository(aws.resources["CarebirdTable"]).put_brand(broken)
    case, path = run(aws, brand, "8", "@acme I was charged twice")
    assert path == ["error", "outcome"]
    assert case.queue == "needs-human"
    assert "triage failed" in case.decisions[0].reason and "models" in case.decisions[0].reason


def handed_off(stack: StackEndpoints, brand: Brand, tweet_id: str, text: str) -> tuple[Case, list[str]]:
    """Hand the mention to triage as the poll function does (its adapter, with the brand as that poll run
    read it: the input carries the brand's settings for Classify), and wait for the execution's end."""
    record = IngestedMention(
        brand_id=brand.id,
        mention=Mention.model_validate(mention(tweet_id, text)),
        status=MentionStatus.PENDING,
        ingested_at=datetime.now(UTC),
    )
    sfn = sfn_client(stack)
    StepFunctionsHandoff(stack.resources["TriageStateMachine"], sfn).start(record, brand)
    arn = f"{stack.resources['TriageStateMachine'].replace(':stateMachine:', ':execution:')}:"
    arn += execution_name(record)
    deadline = time.monotonic() + 60
    while (execution := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
        assert time.monotonic() < deadline, f"{execution_name(record)} still running after 60 s"
        time.sleep(0.1)
    assert execution["status"] == "SUCCEEDED", execution
    assert "classifier" in json.loads(execution["input"]) or brand.config.problems
    output = json.loads(execution["output"])
    return case_of(stack, output), [key for key in ("classified", "error", "outcome") if key in output]


def test_a_handed_off_message_is_classified_by_the_brand_s_settings_at_hand_off(
    aws: StackEndpoints, brand: Brand
) -> None:
    # The stored brand has the default desk; the poll run handed the message off with a desk where
    # "zeppelin" is a bookings word (as if the brand's settings changed since): Classify used those,
    # without the brand item, and Route, reading the brand as stored, routed the skill to its queue.
    desk = {**DEFAULT_TRIAGE, "skills": {**DEFAULT_TRIAGE["skills"], "bookings": {"queue": "bookings",
            "keywords": ["zeppelin"]}}}  # fmt: skip
    at_hand_off = brand.model_copy(update={"settings": {"triage": desk}})
    case, path = handed_off(aws, at_hand_off, "41", "@acme my zeppelin never showed up, I am furious")
    assert path == ["classified", "outcome"]
    assert case.classification["skill"]["label"] == "bookings"
    assert (case.queue, case.assignee) == ("bookings", "ana")


def test_a_brand_whose_models_setting_is_invalid_at_hand_off_still_reaches_people(
    aws: StackEndpoints, brand: Brand
) -> None:
    # Nothing is handed over for such a brand: Classify reads it, fails naming the setting, and the
    # message goes to the needs-human queue, as for an execution started by the release before.
    broken = brand.model_copy(update={"settings": {"models": 42}})
    DynamoBrandRepository(aws.resources["CarebirdTable"]).put_brand(broken)
    case, path = handed_off(aws, broken, "42", "@acme I was charged twice")
    assert path == ["error", "outcome"]
    assert case.queue == "needs-human" and "models" in case.decisions[0].reason


def test_a_complaint_s_case_gets_one_sla_watch_however_often_it_is_triaged(
    aws: StackEndpoints, brand: Brand
) -> None:
    # An Express start is at-least-once (AWS does not refuse a repeated name as it does for Standard):
    # the same message triaged again finds its case, and its clocks' alarms are set once (was: the watch
    # execution of its clock was started once).
    case, _ = run(aws, brand, "9", "@acme refund please, charged twice")
    watch = watch_of(aws, case)
    assert sorted(name.split(".")[1] for name in watch) == ["fr", "res"]
    again = execute(
        aws, f"it-{brand.id}-9-again", {"brand_id": brand.id, "mention": mention("9", "charged twice")}
    )
    assert again["outcome"]["value"]["case_id"] == case.id
    assert case_of(aws, again).message_ids == ("9",)
    assert watch_of(aws, case) == watch


def test_noise_starts_no_sla_watch(aws: StackEndpoints, brand: Brand) -> None:
    case, _ = run(aws, brand, "10", "@acme FREE crypto giveaway!!! click http://win-btc.example.com to claim")
    assert case.status.value == "closed"
    assert watch_of(aws, case) == {}  # no alarm (was: no watch execution)
