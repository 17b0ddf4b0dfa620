"""Giving a case to an agent: among the available agents with the skill (or, for a case without one, its
queue) and the language, the least loaded (open cases over capacity, then whoever was assigned longest
ago) who still has capacity; otherwise the case waits in its queue. Either way the choice is recorded on
the case with its reason.

The capacity is taken with a conditional write (AgentDirectory.claim), so a retried step finds the
agent an earlier attempt assigned and two cases cannot take one agent's last slot. Routing uses it for a
new case; the SLA watch for a case escalated to another queue (carebird.sla.ports.CaseAssignment).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from carebird.cases.model import Agent, Case, CaseStatus, Decision
from carebird.cases.ports import AgentDirectory, CaseConflict, CaseStore

Clock = Callable[[], datetime]


class AgentAssignment:
    def __init__(self, cases: CaseStore, agents: AgentDirectory, clock: Clock) -> None:
        self._cases = cases
        self._agents = agents
        self._clock = clock

    def assign(self, case: Case, capability: str | None = None) -> Case:
        capability = capability or case.skill or case.queue
        candidates = [a for a in self._agents.agents(case.brand_id) if a.can_take(capability, case.language)]
        candidates.sort(key=_load_order)
        for agent in candidates:
            now = self._clock()
            holder = self._agents.claim(agent, case.id, now)
            if holder is None:
                continue  # someone else took their last slot; try the next
            if holder == agent.id:
                load = f"{agent.open_cases}/{agent.capacity} open"
                reason = f"least loaded agent with skill {capability}: {load}"
            else:
                reason = f"already assigned to {holder} by an earlier attempt of this step"
            updated = case.with_decision(
                Decision(at=now, kind="assignment", value=holder, reason=reason),
                assignee=holder,
                status=CaseStatus.ASSIGNED,
                updated_at=now,
            )
            try:
                return self._cases.save(updated)
            except CaseConflict:
                fresh = self._cases.get(case.id)
                return fresh if fresh is not None else case
        now = self._clock()
        waiting = case.with_decision(
            Decision(
                at=now,
                kind="assignment",
                value="queue",
                reason="no available agent with capacity: waits in queue",
            )
        )
        try:
            return self._cases.save(waiting)
        except CaseConflict:
            return self._cases.get(case.id) or case


def _load_order(agent: Agent) -> tuple[float, datetime]:
    last = agent.last_assigned_at or datetime.min.replace(tzinfo=UTC)
    return agent.open_cases / agent.capacity, last
