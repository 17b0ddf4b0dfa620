"""The Step Functions handoff on moto: one execution per mention, whatever the number of attempts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import boto3
import pytest
from moto import mock_aws

from carebird.adapters.aws.handoff import StepFunctionsHandoff
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
    StepFunctionsHandoff(arn, client).start(MENTION)

    (execution,) = client.list_executions(stateMachineArn=arn)["executions"]
    assert execution["name"] == "m-1000-1790000000000000021"
    described = client.describe_execution(executionArn=execution["executionArn"])
    payload = json.loads(described["input"])
    assert payload["brand_id"] == "1000" and payload["mention"]["text"] == "help"


def test_starting_again_after_a_crash_is_success_and_adds_no_execution(sfn: tuple) -> None:
    client, arn = sfn
    handoff = StepFunctionsHandoff(arn, client)
    handoff.start(MENTION)
    execution_arn = client.list_executions(stateMachineArn=arn)["executions"][0]["executionArn"]
    client.stop_execution(executionArn=execution_arn)  # closed: a repeat now gets ExecutionAlreadyExists

    handoff.start(MENTION)
    handoff.start(MENTION.model_copy(update={"ingested_at": datetime(2026, 3, 2, 10, tzinfo=UTC)}))

    assert len(client.list_executions(stateMachineArn=arn)["executions"]) == 1


def test_a_missing_state_machine_is_a_handoff_failure_not_a_crash(sfn: tuple) -> None:
    client, arn = sfn
    with pytest.raises(HandoffFailed):
        StepFunctionsHandoff(arn.replace(":triage", ":gone"), client).start(MENTION)


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
    handoff.start(MENTION)
    handoff.start(DM)
    handoff.start(DM)

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
    }
