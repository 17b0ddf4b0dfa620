"""The SLA clocks' alarms (carebird.sla.ports.ClockAlarm) as EventBridge Scheduler one-time schedules.

Each alarm is one schedule in the stack's schedule group: `at(<UTC time>)`, no flexible window, deleted by
Scheduler once it has invoked its target (ActionAfterCompletion DELETE), the target being the Route
function, which it invokes with {"sla_alarm": {"case_id", "clock", "at"}} as the event.

A schedule is named after its case, clock and moment (`schedule_name`), so setting an alarm twice is one
schedule (CreateSchedule's ConflictException: it is there already), and the alarm a ring sets next (the
clock's next moment) is never the schedule that just rang, which Scheduler is deleting: updating that one
could race its deletion. Clearing one that is gone (rung, or never set) is not an error.

Scheduler invokes a target no earlier than the time, within the minute after it (its precision is 60 s);
the time is rounded up to the whole second, so a ring never comes before the moment, and a moment already
past rings a few seconds from now. The client is built on first use, never at import; its endpoint is
the SDK's configuration (AWS_ENDPOINT_URL on the local stack).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field

from carebird.observability import logger

# Scheduler's schedule names: 1 to 64 of [0-9a-zA-Z-_.].
MAX_NAME = 64
_UNSAFE = re.compile(r"[^0-9A-Za-z_-]")
_CLOCK_CODES = {"first_response": "fr", "next_response": "nr", "resolution": "res"}
# How far ahead a moment already past (or about to pass while the request travels) is set.
PAST_MARGIN = timedelta(seconds=5)
# Scheduler retries a failed delivery to the target; past this the ring goes to the dead-letter queue
# (SchedulerSettings.dead_letter_arn), where DeadLetterAlarm tells people. A delivered ring whose function
# then fails goes there too, after Lambda's own retries (the alarm function's DeadLetterQueue).
RETRY_POLICY = {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 20}


class SchedulerSettings(BaseModel):
    """Where the alarms go, from the function's environment (carebird.wiring.settings.ClockAlarmSettings)."""

    model_config = ConfigDict(frozen=True)

    group: str = Field(min_length=1)  # the stack's schedule group
    target_arn: str = Field(min_length=1)  # the function a ring invokes (the Route function)
    role_arn: str = Field(min_length=1)  # the role Scheduler assumes to invoke it
    # Where Scheduler puts a ring it could not deliver (the target throttled, gone or refused, past its
    # retries): the stack's dead-letter queue, which DeadLetterAlarm watches. None: such a ring is dropped.
    dead_letter_arn: str | None = None


def schedule_name(case_id: str, clock: str, at: datetime) -> str:
    """`<case>.<clock>.<epoch s>`: one name per alarm, within Scheduler's 64 characters and its charset (a
    case id that does not fit or is not safe is replaced by its digest)."""
    code = _CLOCK_CODES.get(clock) or _UNSAFE.sub("_", clock)[:8]
    suffix = f".{code}.{ring_epoch(at)}"
    case = case_id
    if _UNSAFE.search(case_id) or len(case_id) + len(suffix) > MAX_NAME:
        case = hashlib.sha256(case_id.encode()).hexdigest()[: MAX_NAME - len(suffix)]
    return case + suffix


def ring_epoch(at: datetime) -> int:
    """The whole second a moment rings at: never before it."""
    return math.ceil(at.astimezone(UTC).timestamp())


def at_expression(when: datetime) -> str:
    return f"at({when.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S')})"


class SchedulerClockAlarm:
    def __init__(
        self,
        settings: SchedulerSettings,
        client: Any = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._settings = settings
        self._client = client
        self._now = now

    def _scheduler(self) -> Any:
        if self._client is None:
            import boto3  # on first use: a cold start that sets no alarm does not pay for the client

            self._client = boto3.client("scheduler")
        return self._client

    def set(self, case_id: str, clock: str, at: datetime) -> None:
        ring = datetime.fromtimestamp(ring_epoch(at), UTC)
        when = max(ring, datetime.fromtimestamp(ring_epoch(self._now() + PAST_MARGIN), UTC))
        payload = {"sla_alarm": {"case_id": case_id, "clock": clock, "at": ring.isoformat()}}
        s = self._settings
        target: dict[str, Any] = {
            "Arn": s.target_arn,
            "RoleArn": s.role_arn,
            "Input": json.dumps(payload),
            "RetryPolicy": RETRY_POLICY,
        }
        if s.dead_letter_arn:
            target["DeadLetterConfig"] = {"Arn": s.dead_letter_arn}
        try:
            self._scheduler().create_schedule(
                Name=schedule_name(case_id, clock, at),
                GroupName=s.group,
                ScheduleExpression=at_expression(when),
                ScheduleExpressionTimezone="UTC",
                FlexibleTimeWindow={"Mode": "OFF"},
                ActionAfterCompletion="DELETE",
                Target=target,
                Description=f"SLA {clock} of case {case_id}"[:512],
            )
        except ClientError as exc:
            if _code(exc) != "ConflictException":
                raise
            logger.debug("SLA alarm already set", extra={"case_id": case_id, "clock": clock})

    def clear(self, case_id: str, clock: str, at: datetime) -> None:
        try:
            self._scheduler().delete_schedule(
                Name=schedule_name(case_id, clock, at), GroupName=self._settings.group
            )
        except ClientError as exc:
            if _code(exc) != "ResourceNotFoundException":
                raise


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
