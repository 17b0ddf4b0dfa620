"""Fires the template's EventBridge schedules, which moto stores but never fires.

Each enabled rule with a `rate(...)` expression invokes its Lambda targets asynchronously with the event
EventBridge sends. `time_scale` compresses time for tests and the demo (2.0 fires a 1-minute rate
every 30 s); it is configuration of the local stack only, the product never sees it.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

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
