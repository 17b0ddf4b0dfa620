"""Reassignment: moving an open case to another queue (queued) or agent (assigned). Moving a case someone
else holds needs a supervisor. Every move is kept as a routing correction for retraining the classifier."""

from __future__ import annotations

from datetime import datetime

from carebird.brands.desk import TriageConfig
from carebird.cases.model import Case, CaseStatus, Decision
from carebird.casework.access import queues_of
from carebird.casework.changes import CaseJob, check_reason
from carebird.casework.context import CaseWorkContext
from carebird.casework.errors import Invalid, TransitionNotAllowed
from carebird.casework.model import Principal, RoutingCorrection
from carebird.metric_names import MetricName


class Assignment(CaseJob):
    def reassign(
        self,
        p: Principal,
        case_id: str,
        *,
        queue: str | None = None,
        agent_id: str | None = None,
        reason: str = "",
    ) -> Case:
        if (queue is None) == (agent_id is None):
            raise Invalid("reassign to either a queue or an agent")
        check_reason(reason)
        case = self.access.visible(p, case_id)
        if not case.status.is_open:
            raise TransitionNotAllowed(f"case {case_id} is {case.status.value}: reopen it to reassign it")
        holder = case.assignee
        if holder is not None and holder != p.agent_id and not p.is_supervisor:
            raise self.access.claimed_by(p.brand_id, case_id, holder)
        config = self.access.config(p.brand_id)
        if queue is not None:
            return self._to_queue(p, case, queue, config, reason)
        assert agent_id is not None
        return self._to_agent(p, case, agent_id, config, reason)

    def _to_queue(self, p: Principal, case: Case, queue: str, config: TriageConfig, reason: str) -> Case:
        if queue not in config.queues:
            raise Invalid(f"there is no queue {queue}; queues are {', '.join(sorted(config.queues))}")
        if queue == case.queue:
            raise Invalid(f"case {case.id} is already in queue {queue}")
        skill = next((name for name, rule in config.skills.items() if rule.queue == queue), None)
        if case.assignee is not None:
            self.ctx.agents.release(case.assignee, case.id)
        now = self.ctx.clock()
        why = f"moved from {case.queue} by {p.agent_id}" + (f": {reason}" if reason else "")

        def moved(current: Case) -> Case | None:
            return current.with_decision(
                Decision(at=now, kind="queue", value=queue, reason=why, by=p.agent_id),
                queue=queue,
                skill=skill,
                assignee=None,
                status=CaseStatus.QUEUED if current.status is CaseStatus.ASSIGNED else current.status,
                updated_at=now,
            )

        updated = self.changes.apply(case, moved)
        record_correction(self.ctx, p, case, updated, "queue", reason, now)
        return updated

    def _to_agent(self, p: Principal, case: Case, agent_id: str, config: TriageConfig, reason: str) -> Case:
        agents = self.ctx.agents
        target = agents.agent(p.brand_id, agent_id)
        if target is None:
            raise Invalid(f"there is no agent {agent_id}")
        if case.queue not in queues_of(target, config):
            raise Invalid(f"{agent_id} does not work queue {case.queue}")
        if case.assignee == agent_id:
            raise Invalid(f"case {case.id} is already {agent_id}'s")
        if case.assignee is not None:
            agents.release(case.assignee, case.id)
        now = self.ctx.clock()
        holder = agents.holder(case.id)
        if holder is not None and holder != agent_id:
            raise self.access.claimed_by(p.brand_id, case.id, holder)
        why = f"handed from {case.assignee or 'the queue'} to {agent_id} by {p.agent_id}" + (
            f": {reason}" if reason else ""
        )

        def handed(current: Case) -> Case | None:
            return current.with_decision(
                Decision(at=now, kind="assignment", value=agent_id, reason=why, by=p.agent_id),
                assignee=agent_id,
                status=CaseStatus.ASSIGNED if current.status is CaseStatus.QUEUED else current.status,
                updated_at=now,
            )

        updated = self.changes.apply(case, handed, claim_for=target if holder is None else None)
        record_correction(self.ctx, p, case, updated, "agent", reason, now)
        return updated


def record_correction(
    ctx: CaseWorkContext, p: Principal, before: Case, after: Case, kind: str, reason: str, at: datetime
) -> None:
    """Keep a person's correction of triage's routing (the case's first message, where triage sent it and
    where the person sent it) for retraining the classifier."""
    first = next((m for m in ctx.cases.messages(before.id) if m.direction == "in"), None)
    correction = RoutingCorrection(
        id=ctx.new_id(),
        brand_id=before.brand_id,
        case_id=before.id,
        kind=kind,
        text=first.text if first else "",
        language=before.language,
        classification=before.classification,
        original_queue=before.queue,
        original_skill=before.skill,
        corrected_queue=after.queue,
        corrected_skill=after.skill,
        original_assignee=before.assignee,
        corrected_assignee=after.assignee,
        agent_id=p.agent_id,
        reason=reason,
        at=at,
    )
    ctx.corrections.record(correction)
    ctx.metrics.add_metric(MetricName.ROUTING_CORRECTIONS, "Count", 1)
