"""Alarms on the local stack go to ALARM and back to OK as on CloudWatch, and notify their SNS topics.

The stack runs at time scale 60 (tests/conftest.py): an alarm's 60 s period is one second of wall time.
Metric data is put with put_metric_data, as the log shipper does for the handlers' EMF lines.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest

from carebird_ops.local.alarms import MOTO_INITIAL_REASON, NOT_EVALUATED
from carebird_ops.local.endpoints import StackEndpoints
from carebird_ops.local.template import find_template, load
from tests.conftest import REPO, carebird
from tests.support.local_stack import stack_client

T = TypeVar("T")


def wait_for(what: str, check: Callable[[], T | None], timeout: float = 30) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {timeout:.0f} s")


class Inbox:
    """An SQS queue subscribed to a topic: the alarm notifications published there, as they arrive."""

    def __init__(self, stack: StackEndpoints, topic_arn: str) -> None:
        self.sqs = stack_client(stack, "sqs")
        self.url = self.sqs.create_queue(QueueName=f"alarms-{uuid.uuid4().hex[:12]}")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])["Attributes"]
        stack_client(stack, "sns").subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn["QueueArn"])
        self.received: list[dict[str, Any]] = []

    def notification(self, alarm: str, new_state: str, old_state: str | None = None) -> dict[str, Any]:
        def arrived() -> dict[str, Any] | None:
            for m in self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10).get("Messages", []):
                envelope = json.loads(m["Body"])  # SNS's envelope around CloudWatch's message
                self.received.append({"Subject": envelope["Subject"], **json.loads(envelope["Message"])})
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=m["ReceiptHandle"])
            return next(
                (
                    n
                    for n in self.received
                    if n["AlarmName"] == alarm
                    and n["NewStateValue"] == new_state
                    and old_state in (None, n["OldStateValue"])
                ),
                None,
            )

        return wait_for(f"{new_state} notification for {alarm}", arrived)

    def delete(self) -> None:
        self.sqs.delete_queue(QueueUrl=self.url)


@pytest.fixture
def topic(local_stack: StackEndpoints) -> Iterator[str]:
    sns = stack_client(local_stack, "sns")
    arn = sns.create_topic(Name=f"alarm-test-{uuid.uuid4().hex[:12]}")["TopicArn"]
    yield arn
    sns.delete_topic(TopicArn=arn)


def test_a_two_of_three_alarm_goes_to_alarm_and_back_to_ok_and_says_so(
    local_stack: StackEndpoints, topic: str
) -> None:
    cloudwatch = stack_client(local_stack, "cloudwatch")
    inbox = Inbox(local_stack, topic)
    name = f"test-errors-{uuid.uuid4().hex[:8]}"
    namespace = f"carebird-test/{name}"
    dimensions = [{"Name": "service", "Value": "test"}]
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        AlarmDescription="Errors in 2 of the last 3 minutes.",
        Namespace=namespace,
        MetricName="Errors",
        Dimensions=dimensions,
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=3,
        DatapointsToAlarm=2,
        Threshold=1.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        TreatMissingData="notBreaching",
        AlarmActions=[topic],
        OKActions=[topic],
    )
    try:
        # A new alarm with no data, missing data not breaching: INSUFFICIENT_DATA, then OK at once.
        created = inbox.notification(name, "OK", old_state="INSUFFICIENT_DATA")
        assert created["NewStateReason"].startswith("Threshold Crossed: no datapoints were received")

        # Errors in two different minutes of the alarm (two seconds of wall time at scale 60).
        now = datetime.now(UTC)
        cloudwatch.put_metric_data(
            Namespace=namespace,
            MetricData=[
                {"MetricName": "Errors", "Dimensions": dimensions, "Value": 2.0, "Timestamp": now},
                {
                    "MetricName": "Errors",
                    "Dimensions": dimensions,
                    "Value": 1.0,
                    "Timestamp": now - timedelta(seconds=1),
                },
            ],
        )
        alarm = inbox.notification(name, "ALARM", old_state="OK")
        assert alarm["Subject"] == f'ALARM: "{name}" in US East (N. Virginia)'
        assert alarm["AlarmDescription"] == "Errors in 2 of the last 3 minutes."
        assert alarm["NewStateReason"].startswith("Threshold Crossed: 2 out of the last 3 datapoints [2.0 (")
        assert alarm["NewStateReason"].endswith("(minimum 2 datapoints for OK -> ALARM transition).")
        assert alarm["Trigger"]["Namespace"] == namespace
        assert alarm["Trigger"]["Dimensions"] == [{"value": "test", "name": "service"}]
        assert (alarm["Trigger"]["Period"], alarm["Trigger"]["DatapointsToAlarm"]) == (60, 2)
        described = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
        assert described["StateValue"] == "ALARM"
        assert json.loads(described["StateReasonData"])["recentDatapoints"] == [1.0, 2.0]

        # No more errors: once they leave the evaluation range, OK again.
        back = inbox.notification(name, "OK", old_state="ALARM")
        assert back["Subject"] == f'OK: "{name}" in US East (N. Virginia)'
        assert back["NewStateReason"].startswith("Threshold Crossed:")
    finally:
        cloudwatch.delete_alarms(AlarmNames=[name])
        inbox.delete()


def test_the_triage_failures_alarm_of_the_template_notifies_the_alarm_topic(
    local_stack: StackEndpoints,
) -> None:
    name = local_stack.resources["TriageFailuresAlarm"]
    inbox = Inbox(local_stack, local_stack.resources["AlarmTopic"])
    try:
        # moto emits no AWS/States metrics; this datapoint stands for a timed-out triage execution.
        machine = {"Name": "StateMachineArn", "Value": local_stack.resources["TriageStateMachine"]}
        stack_client(local_stack, "cloudwatch").put_metric_data(
            Namespace="AWS/States",
            MetricData=[{"MetricName": "ExecutionsTimedOut", "Dimensions": [machine], "Value": 1.0}],
        )
        alarm = inbox.notification(name, "ALARM")
        assert alarm["AlarmDescription"].startswith("A triage or SLA watch execution failed or timed out")
        assert alarm["NewStateReason"].startswith("Threshold Crossed: 1 out of the last 1 datapoints [1.0 (")
        trigger = alarm["Trigger"]
        ids = [q["Id"] for q in trigger["Metrics"]]
        assert ids == ["failed", "timedout", "watchfailed", "alarmfailed", "total"]
        # an SLA alarm's function failing for good counts too (AWS/Lambda Errors of SlaAlarmFunction)
        assert trigger["Metrics"][4]["Expression"] == "failed + timedout + watchfailed + alarmfailed"
        inbox.notification(name, "OK", old_state="ALARM")  # notBreaching, once the datapoint is out of range
    finally:
        inbox.delete()


def test_every_alarm_of_the_template_is_evaluated_and_listed(local_stack: StackEndpoints) -> None:
    template = load(find_template(REPO))
    names = {
        local_stack.resources[logical]
        for logical, resource in template.resources.items()
        if resource["Type"] == "AWS::CloudWatch::Alarm" and logical in local_stack.resources
    }
    cloudwatch = stack_client(local_stack, "cloudwatch")

    def evaluated() -> list[dict[str, Any]] | None:
        # moto creates alarms in OK with this reason; the evaluator's first pass moves each one on.
        alarms = [a for a in cloudwatch.describe_alarms()["MetricAlarms"] if a["AlarmName"] in names]
        fresh = [a for a in alarms if (a["StateValue"], a["StateReason"]) == ("OK", MOTO_INITIAL_REASON)]
        return alarms if len(alarms) == len(names) and not fresh else None

    alarms = wait_for("every template alarm evaluated", evaluated)
    not_evaluated = {
        a["AlarmName"]: a["StateReason"] for a in alarms if a["StateReason"].startswith(NOT_EVALUATED)
    }
    assert not not_evaluated, f"alarms of template.yaml the local stack cannot evaluate: {not_evaluated}"

    listing = carebird("alarms")
    assert listing.returncode == 0, listing.stderr
    for alarm in alarms:
        assert alarm["AlarmName"] in listing.stdout
    as_json = {a["name"]: a for a in json.loads(carebird("alarms", "--json").stdout)}
    assert names <= set(as_json)
    assert all(as_json[n]["state"] in ("OK", "ALARM", "INSUFFICIENT_DATA") for n in names)
