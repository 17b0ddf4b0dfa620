from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from carebird.adapters.aws.scheduler import SchedulerClockAlarm, SchedulerSettings
from carebird_ops.local.provision import Schedule
from carebird_ops.local.scheduler import OneTimeSchedules, ScheduleError, Scheduler, at_time, period_seconds


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [("rate(1 minute)", 60), ("rate(5 minutes)", 300), ("rate(1 hour)", 3600), ("rate(2 days)", 172800)],
)
def test_rate_expressions(expression: str, seconds: int) -> None:
    assert period_seconds(expression) == seconds


@pytest.mark.parametrize(
    "expression", ["rate(1 minutes)", "rate(5 minute)", "rate(0 minutes)", "cron(0 * * * ? *)"]
)
def test_invalid_or_unsupported_expressions_are_errors(expression: str) -> None:
    with pytest.raises(ScheduleError, match="schedule"):
        period_seconds(expression)


def test_fires_targets_with_an_eventbridge_scheduled_event() -> None:
    fired: list[tuple[str, dict[str, Any]]] = []
    done = threading.Event()

    def invoke(target: str, event: dict[str, Any]) -> None:
        fired.append((target, event))
        if len(fired) >= 2:
            done.set()

    # rate(1 minute) at 600x: every 0.1 s
    s = Scheduler([Schedule("rule", "rate(1 minute)", ["arn:fn"])], invoke, "us-east-1", time_scale=600)
    s.start()
    assert done.wait(5), "the schedule did not fire twice within 5 s"
    s.stop()
    target, event = fired[0]
    assert target == "arn:fn"
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/rule"]


def test_a_due_one_time_schedule_fires_once_with_its_input_and_is_deleted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the product's alarms (carebird.adapters.aws.scheduler) create, fired as Scheduler would."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    now = [datetime(2026, 12, 7, 10, 0, tzinfo=UTC)]
    with mock_aws():
        client = boto3.client("scheduler")
        client.create_schedule_group(Name="carebird-sla")
        settings = SchedulerSettings(group="carebird-sla", target_arn="arn:route", role_arn="arn:role")
        alarm = SchedulerClockAlarm(settings, client, now=lambda: now[0])
        soon, later = now[0] + timedelta(seconds=30), now[0] + timedelta(minutes=5)
        alarm.set("acme-t1", "first_response", soon)
        alarm.set("acme-t1", "resolution", later)
        fired: list[tuple[str, dict[str, Any]]] = []
        schedules = OneTimeSchedules(
            client, ["carebird-sla"], lambda arn, event: fired.append((arn, event)), now=lambda: now[0]
        )
        assert schedules.fire_due() == 0
        now[0] = soon
        assert schedules.fire_due() == 1 and schedules.fire_due() == 0
        assert fired == [
            (
                "arn:route",
                {"sla_alarm": {"case_id": "acme-t1", "clock": "first_response", "at": soon.isoformat()}},
            )
        ]
        (left,) = client.list_schedules(GroupName="carebird-sla")["Schedules"]
        assert left["Name"].startswith("acme-t1.res.")
        alarm.clear("acme-t1", "resolution", later)
        now[0] = later
        assert schedules.fire_due() == 0
    assert at_time("at(2026-12-07T10:00:00)", "Europe/Madrid") == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    assert at_time("rate(1 minute)", None) is None
