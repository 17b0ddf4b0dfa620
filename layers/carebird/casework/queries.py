"""Reading: the queues an agent works and their health, the cases they may see, one case in full, and
the brand's agents (the reassign picker)."""

from __future__ import annotations

from datetime import datetime

from carebird.cases.model import Case, CaseStatus
from carebird.casework.access import Access
from carebird.casework.context import CaseWorkContext
from carebird.casework.costs import conversation_cost
from carebird.casework.errors import Forbidden, NotFound
from carebird.casework.model import AgentView, CaseDetail, EarlierCase, Principal, QueueSummary
from carebird.casework.presence import CasePresence
from carebird.casework.views import reply_view, sla_clock

OPEN_STATUSES = (CaseStatus.QUEUED, CaseStatus.ASSIGNED, CaseStatus.PENDING_CUSTOMER)
MAX_LIST = 200
EARLIER_CASES = 10


class CaseQueries:
    def __init__(self, ctx: CaseWorkContext, access: Access, presence: CasePresence) -> None:
        self.ctx = ctx
        self.access = access
        self.presence = presence

    def queues(self, p: Principal) -> list[QueueSummary]:
        now = self.ctx.clock()
        return [self._summary(p.brand_id, queue, now) for queue in sorted(p.queues)]

    def _summary(self, brand_id: str, queue: str, now: datetime) -> QueueSummary:
        open_cases = [
            c for s in OPEN_STATUSES for c in self.ctx.cases.queue(brand_id, queue, s.value, limit=None)
        ]
        waiting = [c for c in open_cases if c.first_response_at is None]
        oldest = min((c.first_message_at for c in waiting), default=None)
        due = [c.first_response_due for c in waiting if c.first_response_due is not None]
        return QueueSummary(
            queue=queue,
            open=len(open_cases),
            unassigned=sum(1 for c in open_cases if c.assignee is None),
            awaiting_first_response=len(waiting),
            oldest_waiting_since=oldest,
            oldest_waiting_seconds=int((now - oldest).total_seconds()) if oldest else None,
            at_risk=sum(1 for d in due if d - now <= self.ctx.at_risk_window),
            breached=sum(1 for d in due if d < now),
        )

    def list_cases(
        self,
        p: Principal,
        *,
        queue: str | None = None,
        status: CaseStatus | None = None,
        assignee: str | None = None,
        q: str | None = None,
        limit: int = 50,
    ) -> list[Case]:
        """Cases the agent may see, soonest SLA due first. `assignee` "me" is the caller; `q` keeps the
        cases whose customer handle or name, or whose customer messages, contain it (any case)."""
        cases = self.ctx.cases
        limit = max(1, min(limit, MAX_LIST))
        needle = q.strip().removeprefix("@").casefold() if q else ""
        every = assignee is not None or bool(needle)  # filtered after the query: read the whole queue
        if queue is not None:
            if queue not in self.access.config(p.brand_id).queues:
                raise NotFound(f"there is no queue {queue}")
            if not p.works(queue):
                raise Forbidden(f"you do not work queue {queue}")
        queues = [queue] if queue else sorted(p.queues)
        statuses = [status] if status else list(OPEN_STATUSES)
        if assignee == "me":
            assignee = p.agent_id
        found: list[Case]
        if assignee is not None and all(s.is_open for s in statuses):
            found = [
                c
                for c in cases.assigned_to(p.brand_id, assignee)
                if c.status in statuses and c.queue in queues and p.works(c.queue)
            ]
        else:
            found = [
                c
                for name in queues
                for s in statuses
                for c in cases.queue(p.brand_id, name, s.value, limit=None if every else limit)
                if assignee is None or c.assignee == assignee
            ]
        if needle:
            found = [c for c in found if _matches(c, needle)]
        found.sort(key=lambda c: (c.first_response_due or c.created_at, c.id))
        return found[:limit]

    def case(self, p: Principal, case_id: str) -> CaseDetail:
        case = self.access.visible(p, case_id)
        messages = self.ctx.cases.messages(case_id)
        replies = {m.id: reply_view(self.ctx.deliveries, case, m) for m in messages if m.direction == "out"}
        return CaseDetail(
            case=case,
            messages=messages,
            replies=replies,
            sla=sla_clock(case, self.ctx.clock()),
            held_by=case.assignee,
            presence=self.presence.others(case.id, p.agent_id),
            earlier_cases=self._earlier_cases(case),
            x_cost=conversation_cost(messages, replies, owned_app=self._owned_app(case.brand_id)),
        )

    def _owned_app(self, brand_id: str) -> bool:
        """Whether the brand account owns the developer app (its mentions are owned reads)."""
        brand = self.ctx.brands.get_brand(brand_id)
        return brand is not None and brand.config.x_app_owned_by_brand

    def _earlier_cases(self, case: Case) -> list[EarlierCase]:
        found = self.ctx.cases.customer_cases(case.brand_id, case.customer.id, EARLIER_CASES + 1)
        others = [c for c in found if c.id != case.id][:EARLIER_CASES]
        return [c.model_copy(update={"csat": self.ctx.scores.csat(c.id)}) for c in others]

    def agent_list(self, p: Principal) -> list[AgentView]:
        """The brand's agents and supervisors, by name (the reassign picker)."""
        found = sorted(self.ctx.agents.agents(p.brand_id), key=lambda a: ((a.name or a.id).casefold(), a.id))
        return [
            AgentView(
                id=a.id,
                name=a.name or a.id,
                available=a.available,
                skills=list(a.skills),
                languages=list(a.languages),
                open_cases=a.open_cases,
                capacity=a.capacity,
                supervisor=a.role == "supervisor",
            )
            for a in found
        ]


def _matches(case: Case, needle: str) -> bool:
    customer = case.customer
    return (
        needle in customer.username.casefold()
        or needle in customer.name.casefold()
        or any(needle in text.casefold() for text in case.customer_texts)
    )
