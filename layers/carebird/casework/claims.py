"""Claims: who holds a case. Claiming commits with the case's change (see carebird.casework.changes), so of
two agents claiming at once exactly one gets it and the other is told who. Giving back a case someone else
holds needs a supervisor."""

from __future__ import annotations

from carebird.cases.model import Case, CaseStatus, Decision
from carebird.casework.changes import CaseJob
from carebird.casework.errors import TransitionNotAllowed
from carebird.casework.model import Principal


class Claims(CaseJob):
    def claim(self, p: Principal, case_id: str) -> Case:
        case = self.access.visible(p, case_id)
        if not case.status.is_open:
            raise TransitionNotAllowed(f"case {case_id} is {case.status.value}: reopen it before claiming it")
        agent = self.access.agent(p)
        now = self.ctx.clock()
        holder = self.ctx.agents.holder(case_id)
        if holder is not None and holder != p.agent_id:
            raise self.access.claimed_by(p.brand_id, case_id, holder)

        def claimed(current: Case) -> Case | None:
            if current.assignee == p.agent_id and current.status is not CaseStatus.QUEUED:
                return None
            return current.with_decision(
                Decision(at=now, kind="assignment", value=p.agent_id, reason="claimed", by=p.agent_id),
                assignee=p.agent_id,
                status=CaseStatus.ASSIGNED if current.status is CaseStatus.QUEUED else current.status,
                updated_at=now,
            )

        # Not held yet: the claim and the case change commit together, so a failed save takes nothing.
        return self.changes.apply(case, claimed, claim_for=agent if holder is None else None)

    def unclaim(self, p: Principal, case_id: str) -> Case:
        case = self.access.visible(p, case_id)
        if not case.status.is_open:
            raise TransitionNotAllowed(f"case {case_id} is {case.status.value}: no claim to give back")
        holder = self.ctx.agents.holder(case_id) or case.assignee
        if holder is None:
            raise TransitionNotAllowed(f"case {case_id} is not claimed by anyone")
        if holder != p.agent_id and not p.is_supervisor:
            raise self.access.claimed_by(p.brand_id, case_id, holder)
        self.ctx.agents.release(holder, case_id)
        now = self.ctx.clock()
        why = "unclaimed" if holder == p.agent_id else f"unclaimed from {holder} by a supervisor"

        def released(current: Case) -> Case | None:
            if current.assignee is None:
                return None
            return current.with_decision(
                Decision(at=now, kind="assignment", value="queue", reason=why, by=p.agent_id),
                assignee=None,
                status=CaseStatus.QUEUED if current.status is CaseStatus.ASSIGNED else current.status,
                updated_at=now,
            )

        return self.changes.apply(case, released)
