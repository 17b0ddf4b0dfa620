"""What the SLA watch needs from the outside world: the waiting workflow's signal, people's notices, the
breach count, and someone to give an escalated case to.

Implementations: carebird.adapters.aws (StepFunctionsSignal, SnsNotifier, PowertoolsSlaMetrics),
carebird.triage.assignment (AgentAssignment), tests' fakes.
"""

from __future__ import annotations

from typing import Any, Protocol

from carebird.cases.model import Case


class FirstResponseSignal(Protocol):
    def first_response(self, task_token: str, output: dict[str, Any]) -> None:
        """SendTaskSuccess to the workflow waiting on the token (a finished wait is not an error)."""
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
