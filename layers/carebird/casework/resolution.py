"""Resolving and reopening: resolved -> (reopen) queued. Resolving a case someone else holds needs a
supervisor; a resolved case's satisfaction survey is scheduled by the resolution listener (follow-up)."""

from __future__ import annotations

from carebird.cases.model import Case, CaseStatus, Decision
from carebird.casework.changes import CaseJob, check_reason
from carebird.casework.errors import Conflict, Forbidden, Invalid, NotFound, TransitionNotAllowed
from carebird.casework.model import Principal
from carebird.metric_names import MetricName
from carebird.observability import logger


class Resolution(CaseJob):
    def resolve(self, p: Principal, case_id: str, reason: str = "") -> Case:
        check_reason(reason)
        case = self.access.visible(p, case_id)
        if not case.status.is_open:
            raise TransitionNotAllowed(f"case {case_id} is already {case.status.value}")
        holder = case.assignee
        if holder is not None and holder != p.agent_id and not p.is_supervisor:
            raise self.access.claimed_by(p.brand_id, case_id, holder)
        if holder is not None:
            self.ctx.agents.release(holder, case_id)
        now = self.ctx.clock()
        why = f"resolved by {p.agent_id}" + (f": {reason}" if reason else "")

        def resolved(current: Case) -> Case | None:
            if not current.status.is_open:
                raise TransitionNotAllowed(f"case {case_id} is already {current.status.value}")
            return current.with_decision(
                Decision(at=now, kind="resolved", value="resolved", reason=why, by=p.agent_id),
                status=CaseStatus.RESOLVED,
                updated_at=now,
            )

        done = self.changes.apply(case, resolved)
        metrics = self.ctx.metrics
        # ResponseRate: of the cases agents resolve, the share the brand answered (average, in percent).
        metrics.add_metric(
            MetricName.RESPONSE_RATE, "Percent", 100.0 if done.first_response_at is not None else 0.0
        )
        listener = self.ctx.on_resolved
        if listener is not None:
            # The case is resolved whatever happens here; a survey that cannot be scheduled is logged and
            # counted, never turned into an error for the agent.
            try:
                listener.case_resolved(done, now)
            except Exception:
                logger.exception("survey not scheduled", extra={"case_id": done.id})
                metrics.add_metric(MetricName.SURVEY_SCHEDULE_FAILURES, "Count", 1)
        return done

    def resolve_many(self, p: Principal, case_ids: list[str], reason: str = "") -> dict[str, str]:
        """Resolve a batch (the acknowledge lane's thank-yous): {case id: "resolved" or why not}."""
        results: dict[str, str] = {}
        for case_id in dict.fromkeys(case_ids):
            try:
                self.resolve(p, case_id, reason)
                results[case_id] = "resolved"
            except (NotFound, Forbidden, Conflict, Invalid) as exc:
                results[case_id] = f"{type(exc).__name__}: {exc}"
        return results

    def reopen(self, p: Principal, case_id: str, reason: str = "") -> Case:
        check_reason(reason)
        case = self.access.visible(p, case_id)
        if case.status.is_open:
            raise TransitionNotAllowed(
                f"case {case_id} is {case.status.value}: only resolved or closed cases can be reopened"
            )
        now = self.ctx.clock()
        why = f"reopened by {p.agent_id}" + (f": {reason}" if reason else "")

        def reopened(current: Case) -> Case | None:
            if current.status.is_open:
                raise TransitionNotAllowed(f"case {case_id} is already open ({current.status.value})")
            return current.with_decision(
                Decision(at=now, kind="reopened", value="queued", reason=why, by=p.agent_id),
                status=CaseStatus.QUEUED,
                assignee=None,
                closed_reason=None,
                updated_at=now,
            )

        return self.changes.apply(case, reopened)
