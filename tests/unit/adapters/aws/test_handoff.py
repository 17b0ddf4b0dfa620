"""The Step Functions handoff on moto: one execution per mention, whatever the number of attempts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import boto3
import pytest
from moto import mock_aws

from carebird.adapters.aws.handoff import StepFunctionsHandoff
from carebird.brands import Brand
from carebird.brands.desk import DEFAULT_TRIAGE
from carebird.ingest.model import (
    Author,
    DirectMessage,
    DmSender,
    IngestedDm,
    IngestedMention,
    Mention,
    MentionStatus,
)
from carebird.ingest.ports import HandoffFailed

T = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BRAND = Brand(handle="acme", user_id="1000", credentials_secret="carebird/test/x/acme")
MENTION = IngestedMention(
    brand_id="1000",
    mention=Mention(id="1790000000000000021", author=Author(id="55"), text="help", created_at=T),
    status=MentionStatus.PENDING,
    ingested_at=T,
)


@pytest.fixture
def sfn(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[object, str]]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        client = boto3.client("stepfunctions")
        arn = client.create_state_machine(
            name="triage",
            definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
            roleArn="arn:aws:iam::123456789012:role/triage",
        )["stateMachineArn"]
        yield client, arn


def test_a_mention_starts_one_execution_named_after_it_with_the_mention_as_input(sfn: tuple) -> None:
    client, arn = sfn
    StepFunctionsHandoff(arn, client).start(MENTION, BRAND)

    (execution,) = client.list_executions(stateMachineArn=arn)["executions"]
    assert execution["name"] == "m-1000-1790000000000000021"
    described = client.describe_execution(executionArn=execution["executionArn"])
    payload = json.loads(described["input"])
    assert payload["brand_id"] == "1000" and payload["mention"]["text"] == "help"


def test_starting_again_after_a_crash_is_success_and_adds_no_execution(sfn: tuple) -> None:
    client, arn = sfn
    handoff = StepFunctionsHandoff(arn, client)
    handoff.start(MENTION, BRAND)
    execution_arn = client.list_executions(stateMachineArn=arn)["executions"][0]["executionArn"]
    client.stop_execution(executionArn=execution_arn)  # closed: a repeat now gets ExecutionAlreadyExists

    handoff.start(MENTION, BRAND)
    handoff.start(MENTION.model_copy(update={"ingested_at": datetime(2026, 3, 2, 10, tzinfo=UTC)}), BRAND)

    assert len(client.list_executions(stateMachineArn=arn)["executions"]) == 1


def test_a_missing_state_machine_is_a_handoff_failure_not_a_crash(sfn: tuple) -> None:
    client, arn = sfn
    with pytest.raises(HandoffFailed):
        StepFunctionsHandoff(arn.replace(":triage", ":gone"), client).start(MENTION, BRAND)


DM = IngestedDm(
    brand_id="1000",
    dm=DirectMessage(
        id="1790000000000000021",  # the same number as MENTION's tweet: the names must still differ
        text="my card was charged twice",
        created_at=T,
        sender=DmSender(id="55", username="wanda", name="Wanda", followers_count=12, verified=False),
        dm_conversation_id="55-1000",
    ),
    status=MentionStatus.PENDING,
    ingested_at=T,
)


def test_a_dm_starts_its_own_execution_with_the_dm_shape_triage_reads(sfn: tuple) -> None:
    client, arn = sfn
    handoff = StepFunctionsHandoff(arn, client)
    handoff.start(MENTION, BRAND)
    handoff.start(DM, BRAND)
    handoff.start(DM, BRAND)

    names = sorted(e["name"] for e in client.list_executions(stateMachineArn=arn)["executions"])
    assert names == ["d-1000-1790000000000000021", "m-1000-1790000000000000021"]
    execution = next(
        e for e in client.list_executions(stateMachineArn=arn)["executions"] if e["name"][0] == "d"
    )
    payload = json.loads(client.describe_execution(executionArn=execution["executionArn"])["input"])
    assert payload == {
        "brand_id": "1000",
        "dm": {
            "id": "1790000000000000021",
            "text": "my card was charged twice",
            "created_at": "2026-03-02T09:00:00Z",
            "sender": {
                "id": "55",
                "username": "wanda",
                "name": "Wanda",
                "followers_count": 12,
                "verified": False,
            },
            "dm_conversation_id": "55-1000",
        },
        "ingested_at": "2026-03-02T09:00:00+00:00",
        "classifier": BRAND.config.classifier_input(),
    }


def input_of(client: object, arn: str) -> dict[str, object]:
    (execution,) = client.list_executions(stateMachineArn=arn)["executions"]  # type: ignore[attr-defined]
    described = client.describe_execution(executionArn=execution["executionArn"])  # type: ignore[attr-defined]
    payload: dict[str, object] = json.loads(described["input"])
    return payload


def test_the_input_carries_the_brand_s_classify_settings_with_its_skills_in_the_desk_s_order(
    sfn: tuple,
) -> None:
    # The input is encoded with sorted keys (a retried start sends the same bytes); the skills are a list
    # of pairs, so the desk's order, which breaks a keyword tie, survives it.
    triage = dict(
        DEFAULT_TRIAGE,
        skills={
            "zebra": {"queue": "general", "keywords": ["late"]},
            "apple": {"queue": "general", "keywords": ["late flight"]},
        },
    )
    brand = BRAND.model_copy(update={"settings": {"triage": triage, "models": ["s3://models/acme.model"]}})
    client, arn = sfn
    StepFunctionsHandoff(arn, client).start(MENTION, brand)

    assert input_of(client, arn)["classifier"] == {
        "skills": [["zebra", ["late"]], ["apple", ["late flight"]]],
        "urgency_terms": [],
        "known_skills": ["zebra", "apple"],
        "models": ["s3://models/acme.model"],
    }


@pytest.mark.parametrize("bad", [{"triage": {"skills": "none"}}, {"models": 7}])
def test_a_brand_with_an_invalid_classify_setting_hands_off_the_message_without_them(
    sfn: tuple, bad: dict[str, object]
) -> None:
    # Classify then reads the brand and fails naming the setting; the workflow sends the message to people.
    client, arn = sfn
    StepFunctionsHandoff(arn, client).start(MENTION, BRAND.model_copy(update={"settings": bad}))

    payload = input_of(client, arn)
    assert "classifier" not in payload and payload["mention"]["text"] == "help"  # type: ignore[index]


def test_a_message_is_never_handed_off_with_another_brand_s_settings(sfn: tuple) -> None:
    client, arn = sfn
    other = Brand(handle="globex", user_id="2000", credentials_secret="carebird/test/x/globex")
    with pytest.raises(ValueError, match="brand 1000 handed off with brand 2000"):
        StepFunctionsHandoff(arn, client).start(MENTION, other)
