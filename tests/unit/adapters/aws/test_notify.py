"""SLA notices on SNS (moto): the message a subscriber gets is the case's JSON, under the subject."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from carebird.adapters.aws.notify import SnsNotifier


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield


def test_a_notice_reaches_the_topics_subscribers_with_a_subject_sns_accepts(aws: None) -> None:
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    topic = sns.create_topic(Name="carebird-agent-notifications")["TopicArn"]
    queue = sqs.create_queue(QueueName="hook")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)

    case = {"case_id": "acme-t100", "queue": "billing", "supervisors": ["sam"], "detail": "due 10:30"}
    SnsNotifier(topic).notify("SLA breached: case " + "x" * 200, case)

    received = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    assert len(received) == 1
    envelope = json.loads(received[0]["Body"])
    assert envelope["Subject"] == ("SLA breached: case " + "x" * 200)[:100]
    assert json.loads(envelope["Message"]) == case


def test_nothing_is_called_before_the_first_notice() -> None:
    class Exploding:
        def __getattr__(self, name: str) -> None:
            raise AssertionError(f"SNS called at construction: {name}")

    SnsNotifier("arn:aws:sns:us-east-1:123456789012:t", client=Exploding())
