from __future__ import annotations

import threading
from typing import Any

import pytest

from carebird_ops.local.provision import Schedule
from carebird_ops.local.scheduler import ScheduleError, Scheduler, period_seconds


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
