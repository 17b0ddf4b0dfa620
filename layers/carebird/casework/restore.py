"""Cases triage closed without a person (strong-signal spam, or praise when the brand opted in): the list
an agent reviews, and the one action that restores such a case as a message that needs an answer. Nothing
is closed or hidden without a person able to see it."""

from __future__ import annotations

from carebird.cases.model import Case, CaseStatus, Decision
from carebird.casework.assignment import record_correction
from carebird.casework.changes import CaseJob
from carebird.casework.errors import Forbidden, TransitionNotAllowed
from carebird.casework.model import Principal
from carebird.triage.lanes import CLOSED_AUTOMATICALLY
from carebird.triage.service import choose_queue


class Restore(CaseJob):
    def closed_automatically(self, p: Principal, limit: int = 50) -> list[tuple[Case, str]]:
        """The brand's cases triage closed without a person, newest first, each with its first message."""
        config = self.access.config(p.brand_id)
        if not p.works(config.triage_queue):
            raise Forbidden(f"closed cases sit in queue {config.triage_queue}, which you do not work")
        closed = self.ctx.cases.queue(
            p.brand_id, config.triage_queue, status=CaseStatus.CLOSED.value, limit=None
        )
        automatic = [c for c in closed if (c.closed_reason or "").startswith(CLOSED_AUTOMATICALLY)]
        automatic.sort(key=lambda c: c.created_at, reverse=True)
        return [(c, self._first_text(c)) for c in automatic[:limit]]

    def _first_text(self, case: Case) -> str:
        first = next((m for m in self.ctx.cases.messages(case.id) if m.direction == "in"), None)
        return first.text if first else ""

    def restore(self, p: Principal, case_id: str, reason: str = "") -> Case:
        """Undo an automatic close in one action: the case is routed as a message that needs an answer
        (queue by skill, priority by the documented score) and the restore is kept as a correction."""
        case = self.access.visible(p, case_id)
        if case.status is not CaseStatus.CLOSED or not (case.closed_reason or "").startswith(
            CLOSED_AUTOMATICALLY
        ):
            raise TransitionNotAllowed(f"case {case_id} was not closed automatically: reopen it instead")
        config = self.access.config(p.brand_id)
        corrected = {
            **case.classification,
            "spam": {"value": False, "confidence": 1.0},
            "needs_response": {"value": True, "confidence": 1.0},
        }
        queue, skill, language, why_queue = choose_queue(case.language, corrected, config)
        # Imported here: the classifier package (lexicon, patterns, model loading) is only this action's in
        # the agent API, and was 7% of that function's cold start (make bench-coldstart).
        from carebird.classifier.priority import priority_from_classification

        level = priority_from_classification(
            corrected, followers=case.customer.followers, verified=case.customer.verified, engagement={}
        )
        now = self.ctx.clock()
        why = f"restored by {p.agent_id} from {case.closed_reason}" + (f": {reason}" if reason else "")

        def restored(current: Case) -> Case | None:
            if current.status is not CaseStatus.CLOSED:
                raise TransitionNotAllowed(f"case {case_id} is already {current.status.value}")
            return current.with_decision(
                Decision(at=now, kind="restored", value=queue, reason=f"{why}; {why_queue}", by=p.agent_id),
                status=CaseStatus.QUEUED,
                queue=queue,
                skill=skill,
                language=language,
                assignee=None,
                closed_reason=None,
                priority=level.level,
                priority_score=round(level.score, 1),
                updated_at=now,
            ).with_decision(Decision(at=now, kind="priority", value=level.level, reason=level.reason))

        updated = self.changes.apply(case, restored)
        record_correction(self.ctx, p, case, updated, "restore", reason or f"not {case.closed_reason}", now)
        return updated
