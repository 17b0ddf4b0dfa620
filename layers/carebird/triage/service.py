"""Triage as the Route function runs it: routing (carebird.triage.routing) and the SLA watch
(carebird.sla.watch) over one case store and agent directory, sharing one agent assignment.

A thin facade: the workflow's steps (carebird.triage.steps), the bench and the tests build one object
with the deployment's collaborators; each method is the routing's or the watch's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from carebird.brands.desk import TriageConfig
from carebird.cases.model import ClockWatch, IncomingMessage, Outcome
from carebird.cases.ports import AgentDirectory, CaseStore
from carebird.sla.ports import Notifier, SlaMetrics, SlaSignals
from carebird.sla.watch import SlaWatch
from carebird.triage.assignment import AgentAssignment
from carebird.triage.ports import PriorityPolicy
from carebird.triage.routing import Router, case_id_for, choose_queue

Clock = Callable[[], datetime]

__all__ = ["TriageService", "case_id_for", "choose_queue"]


class _Silent:
    """Stand-ins for deployments (and tests) that wire no notifications, alarms, signal or metrics."""

    def set(self, case_id: str, clock: str, at: datetime) -> None:
        return None

    def clear(self, case_id: str, clock: str, at: datetime) -> None:
        return None

    def look_again(self, task_token: str, output: dict[str, Any]) -> None:
        return None

    def finished(self, task_token: str, output: dict[str, Any]) -> None:
        return None

    def notify(self, subject: str, message: dict[str, Any]) -> None:
        return None

    def breach(self, brand_id: str, queue: str, priority: str) -> None:
        return None


class TriageService:
    def __init__(
        self,
        cases: CaseStore,
        agents: AgentDirectory,
        priority: PriorityPolicy,
        clock: Clock = lambda: datetime.now(UTC),
        *,
        sla_clock_scale: float = 1.0,
        signals: SlaSignals | None = None,
        notifier: Notifier | None = None,
        sla_metrics: SlaMetrics | None = None,
    ) -> None:
        signals = signals or SlaSignals(alarm=_Silent(), legacy=_Silent())
        assignment = AgentAssignment(cases, agents, clock)
        self.routing = Router(cases, priority, assignment, signals, clock, sla_clock_scale=sla_clock_scale)
        self.sla = SlaWatch(
            cases,
            agents,
            assignment,
            clock,
            signals=signals,
            notifier=notifier or _Silent(),
            sla_metrics=sla_metrics or _Silent(),
        )

    # ------------------------------------------------------------------ routing
    def triage(
        self, message: IncomingMessage, classification: dict[str, Any], config: TriageConfig
    ) -> Outcome:
        return self.routing.triage(message, classification, config)

    def close_noise(
        self, message: IncomingMessage, classification: dict[str, Any], config: TriageConfig
    ) -> Outcome:
        return self.routing.close_noise(message, classification, config)

    def needs_human(self, message: IncomingMessage, error: str, config: TriageConfig) -> Outcome:
        return self.routing.needs_human(message, error, config)

    def attach(self, case_id: str, message: IncomingMessage, classification: dict[str, Any]) -> Outcome:
        return self.routing.attach(case_id, message, classification)

    # ------------------------------------------------------------------ SLA watch
    def ring(self, case_id: str, clock: str, at: datetime, config_of: Callable[[str], TriageConfig]) -> bool:
        return self.sla.ring(case_id, clock, at, config_of)

    def await_clock(self, case_id: str, watch: ClockWatch, task_token: str) -> bool:
        return self.sla.await_clock(case_id, watch, task_token)

    def evaluate(self, case_id: str, watch: ClockWatch, woken: bool, config: TriageConfig) -> ClockWatch:
        return self.sla.evaluate(case_id, watch, woken, config)

    def watch_first_response(self, case_id: str, task_token: str) -> bool:
        return self.sla.watch_first_response(case_id, task_token)

    def sla_at_risk(self, case_id: str) -> int:
        return self.sla.sla_at_risk(case_id)

    def sla_breach(self, case_id: str, config: TriageConfig) -> Outcome:
        return self.sla.sla_breach(case_id, config)

    def sla_clock(
        self, case_id: str, clock: str, instance: str | None, config: TriageConfig
    ) -> dict[str, Any]:
        return self.sla.sla_clock(case_id, clock, instance, config)

    def watch_clock(self, case_id: str, clock: str, task_token: str, fingerprint: str) -> bool:
        return self.sla.watch_clock(case_id, clock, task_token, fingerprint)
