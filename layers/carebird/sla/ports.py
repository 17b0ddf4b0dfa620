"""What the SLA watch needs from the outside world: the clocks' alarms, the signal to watches started
before the alarms (legacy Step Functions executions), people's notices, the breach count, and someone to
give an escalated case to.

Implementations: carebird.adapters.aws (SchedulerClockAlarm, StepFunctionsSignal, SnsNotifier,
PowertoolsSlaMetrics), carebird.triage.assignment (AgentAssignment), tests' fakes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from carebird.cases.model import Case

# A token the SLA watch's Await state gave (stored on the case by carebird.sla.watch) starts with this: that
# execution looks again when woken and ends when told its clock finished. A token without it belongs to an
# execution of the watch's first definition, still running after an upgrade (Step Functions keeps each
# execution on the definition it started with): that one looks again on SendTaskSuccess, whatever it says,
# and fails on any error, so it is only ever sent SendTaskSuccess.
WATCH_TOKEN_PREFIX = "watch:"


def watch_key(task_token: str) -> str:
    """What the case keeps of a waiting watch's token (Case.watched): a short digest naming the token's own
    item (CaseStore.keep_watch_token). One token, one key, so a retried Await writes the same item, and a
    stale Await's item is never the one the case points at."""
    return hashlib.sha256(task_token.encode()).hexdigest()[:16]


# The error a woken Await state fails with, which sends the execution to Evaluate.
LOOK_AGAIN = "LookAgain"


class ClockAlarm(Protocol):
    """One alarm per open clock of a case, at the clock's next moment (carebird.sla.alarms). When it rings,
    the SLA watch looks at the clock (carebird.sla.watch.SlaWatch.ring) with {"sla_alarm": {"case_id",
    "clock", "at"}}. Setting an alarm that is set already, or clearing one that is gone, is not an error."""

    def set(self, case_id: str, clock: str, at: datetime) -> None:
        """Ring at `at` (as soon as possible if that has passed)."""
        ...

    def clear(self, case_id: str, clock: str, at: datetime) -> None:
        """The alarm set for `at` is no longer needed (the clock moved or stopped)."""
        ...


class LegacyWatchSignal(Protocol):
    """An SLA watch execution started before the alarms (the Standard workflow of the release before)
    waiting on a clock's task token; a wait that already ended is not an error."""

    def look_again(self, task_token: str, output: dict[str, Any]) -> None:
        """Wake it to look again: the first reply is out, or its clock moved (paused, resumed, escalated)."""
        ...

    def finished(self, task_token: str, output: dict[str, Any]) -> None:
        """Its clock stopped (answered, resolved, closed): the execution ends without looking again."""
        ...


@dataclass(frozen=True)
class SlaSignals:
    """What a saved change of a case tells the world about its clocks (carebird.sla.wakes): the alarms,
    and the watches of the release before, still running for cases opened before the upgrade."""

    alarm: ClockAlarm
    legacy: LegacyWatchSignal


class Notifier(Protocol):
    def notify(self, subject: str, message: dict[str, Any]) -> None:
        """Tell people (the assignee, supervisors) something about a case."""
        ...


class SlaMetrics(Protocol):
    def breach(self, brand_id: str, queue: str, priority: str) -> None:
        """Count one SLA breach (metric SlaBreaches), by brand, queue and priority."""
        ...


class CaseAssignment(Protocol):
    def assign(self, case: Case, capability: str | None = None) -> Case:
        """Give the case to the least loaded available agent who has `capability` (default: the case's
        skill, else its queue), or record that it waits in its queue. Returns the case as stored."""
        ...
