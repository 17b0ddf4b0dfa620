"""Fires the schedules moto stores but never fires: the template's EventBridge rules, and the one-time
EventBridge Scheduler schedules the product creates (the SLA clocks' alarms).

Each enabled rule with a `rate(...)` expression invokes its Lambda targets asynchronously with the event
EventBridge sends. `time_scale` compresses time for tests and the demo (2.0 fires a 1-minute rate
every 30 s); it is configuration of the local stack only, the product never sees it.

`OneTimeSchedules` looks at the stack's schedule groups through the Scheduler API every half second; an
enabled `at(...)` schedule whose time (in its time zone) has come invokes its Lambda target
asynchronously with its Input as the event, as Scheduler does, and is then deleted when its
ActionAfterCompletion says DELETE. It fires on the wall clock, not `time_scale`: the product chose the
time. (AWS fires within the minute after the time; this fires within about half a second.)
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from carebird_ops.local.provision import ACCOUNT_ID, Schedule

_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


class ScheduleError(ValueError):
    pass


def period_seconds(expression: str) -> int:
    match = _RATE.match(expression.strip())
    if not match:
        raise ScheduleError(
            f"schedule {expression!r}: the local scheduler supports rate(N minute(s)|hour(s)|day(s))"
        )
    amount, unit = int(match.group(1)), match.group(2).rstrip("s")
    if amount < 1 or (amount == 1) != (not match.group(2).endswith("s")):
        raise ScheduleError(
            f"schedule {expression!r}: use 'rate(1 minute)' or 'rate(N minutes)' as AWS requires"
        )
    return amount * _UNIT_SECONDS[unit]


def scheduled_event(rule_arn: str, region: str, now: datetime) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [rule_arn],
        "detail": {},
    }


class Scheduler:
    def __init__(
        self,
        schedules: list[Schedule],
        invoke_async: Callable[[str, dict[str, Any]], None],
        region: str,
        time_scale: float = 1.0,
    ) -> None:
        if time_scale <= 0:
            raise ScheduleError("time scale must be positive")
        self._plans = [(s, period_seconds(s.expression) / time_scale) for s in schedules]
        self._invoke_async = invoke_async
        self._region = region
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="scheduler", daemon=True)
        self.fired: dict[str, int] = {s.rule_name: 0 for s in schedules}

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        start = time.monotonic()
        next_due = {s.rule_name: start + period for s, period in self._plans}
        while not self._stop.is_set():
            now = time.monotonic()
            for schedule, period in self._plans:
                if now >= next_due[schedule.rule_name]:
                    next_due[schedule.rule_name] += period
                    rule_arn = f"arn:aws:events:{self._region}:{ACCOUNT_ID}:rule/{schedule.rule_name}"
                    event = scheduled_event(rule_arn, self._region, datetime.now(UTC))
                    for target in schedule.target_arns:
                        self._invoke_async(target, event)
                    self.fired[schedule.rule_name] += 1
            wake = min(next_due.values(), default=now + 1.0)
            self._stop.wait(max(0.05, min(1.0, wake - time.monotonic())))


_AT = re.compile(r"^at\((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\)$")
log = logging.getLogger(__name__)


def at_time(expression: str, timezone: str | None) -> datetime | None:
    """When a one-time schedule's `at(yyyy-mm-ddThh:mm:ss)` comes, in UTC; None for another expression."""
    match = _AT.match(expression.strip())
    if not match:
        return None
    local = datetime.fromisoformat(match.group(1)).replace(tzinfo=ZoneInfo(timezone or "UTC"))
    return local.astimezone(UTC)


class OneTimeSchedules:
    """Fires due one-time schedules of EventBridge Scheduler in the given groups (see the module doc)."""

    def __init__(
        self,
        client: Any,
        groups: list[str],
        invoke_async: Callable[[str, dict[str, Any]], None],
        interval: float = 0.5,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._client = client
        self._groups = groups
        self._invoke_async = invoke_async
        self._interval = interval
        self._now = now
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="one-time-schedules", daemon=True)
        self.fired = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.fire_due()
            except Exception:  # the emulator keeps running; the next look tries again
                log.exception("firing one-time schedules failed")

    def fire_due(self) -> int:
        """Fire every due schedule once; returns how many fired."""
        fired = 0
        for group in self._groups:
            for listed in self._listed(group):
                if listed.get("State", "ENABLED") != "ENABLED":
                    continue
                schedule = self._client.get_schedule(Name=listed["Name"], GroupName=group)
                when = at_time(schedule["ScheduleExpression"], schedule.get("ScheduleExpressionTimezone"))
                if when is None or when > self._now():
                    continue
                # Deleted before its target runs, as Scheduler deletes it once the asynchronous invocation
                # is accepted: what the target sets next is never removed by this firing.
                if schedule.get("ActionAfterCompletion") == "DELETE":
                    try:
                        self._client.delete_schedule(Name=listed["Name"], GroupName=group)
                    except self._client.exceptions.ResourceNotFoundException:
                        continue  # deleted meanwhile: it no longer fires
                target = schedule["Target"]
                self._invoke_async(target["Arn"], json.loads(target.get("Input") or "{}"))
                fired += 1
        self.fired += fired
        return fired

    def _listed(self, group: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for page in self._client.get_paginator("list_schedules").paginate(GroupName=group):
            found += page.get("Schedules", [])
        return found
