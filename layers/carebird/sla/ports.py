"""What the SLA watch needs from the outside world: the waiting workflow's signal, people's notices, the
breach count, and someone to give an escalated case to.

Implementations: carebird.adapters.aws (StepFunctionsSignal, SnsNotifier, PowertoolsSlaMetrics),
carebird.triage.assignment (AgentAssignment), tests' fakes.
"""

from __future__ import annotations

import hashlib
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


class FirstResponseSignal(Protocol):
    """The SLA watch execution waiting on a clock's task token (a wait that already ended is not an error)."""

    def first_response(self, task_token: str, output: dict[str, Any]) -> None:
        """Wake it to look again: the first reply is out, or its clock moved (paused, resumed, escalated)."""
        ...

    def finished(self, task_token: str, output: dict[str, Any]) -> None:
        """Its clock stopped (answered, resolved, closed): the execution ends without looking again."""
        ...


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
