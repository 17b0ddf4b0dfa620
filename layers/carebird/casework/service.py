"""Case work: every action an agent takes on a case, checked against who they are and the case's state.

`CaseWorkService` is the one door the agent API (and the team view, the delivery reconciler) goes
through; each job lives in a module of its own and shares one `CaseWorkContext` (the ports, the clock):

- `access`: who is asking (`principal`) and which cases they see. A case of another brand does not
  exist for them (404); a case in a queue they do not work is 403.
- `changes`: how a case changes. Every action is applied under optimistic locking and re-applied on a
  concurrent change; a claim commits in the same transaction, so of two agents claiming at once exactly
  one gets it and the other is told who.
- `queries`, `presence`: queues and their health, case lists, one case in full; who else has it open.
- `claims`: claim and unclaim. Replying needs the claim, so two agents never answer one customer.
  Unclaiming, reassigning and resolving a case someone else holds needs a supervisor.
- `replies`: previews, replies (recorded before X is called, delivered through carebird.outbound, the
  first one whole on X stopping the first-response clock and signalling the waiting workflow), notes.
- `assignment`: moving an open case to another queue or agent, each move kept as a routing correction.
- `resolution`: resolve (one or a batch) and reopen. `restore`: the cases triage closed automatically.
- `engagement`: liking and following on X as the brand. `canned_library`: canned responses.

States. queued -> (claim) assigned -> (reply on X) pending_customer -> (resolve) resolved -> (reopen)
queued. A request the state does not allow is refused with the state in the message, never half done.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from carebird.cases.model import Case, CaseMessage, CaseStatus
from carebird.casework.access import Access
from carebird.casework.assignment import Assignment
from carebird.casework.canned_library import CannedLibrary
from carebird.casework.changes import CaseChanges, Change
from carebird.casework.claims import Claims
from carebird.casework.context import AT_RISK_WINDOW, CaseWorkContext, Clock, new_hex_id, utc_now
from carebird.casework.engagement import Engagement
from carebird.casework.model import (
    AgentView,
    CannedResponse,
    CaseDetail,
    Presence,
    Principal,
    QueueSummary,
    ReplyPreview,
    ReplyRequest,
    ReplyView,
    SlaClock,
)
from carebird.casework.ports import (
    AgentRoster,
    BrandLookup,
    CannedResponseStore,
    CaseRepository,
    CorrectionLog,
    DeliveryRecords,
    MetricsSink,
    PresenceBoard,
    ReplySender,
    ResolutionListener,
    SatisfactionScores,
    XEngagement,
)
from carebird.casework.presence import CasePresence
from carebird.casework.queries import CaseQueries
from carebird.casework.replies import Replies
from carebird.casework.resolution import Resolution
from carebird.casework.restore import Restore
from carebird.casework.views import sla_clock
from carebird.outbound.model import DeliveryResult
from carebird.sla.ports import SlaSignals


class CaseWorkService:
    def __init__(
        self,
        *,
        cases: CaseRepository,
        agents: AgentRoster,
        brands: BrandLookup,
        sender: ReplySender,
        deliveries: DeliveryRecords,
        corrections: CorrectionLog,
        canned: CannedResponseStore,
        signals: SlaSignals,
        metrics: MetricsSink,
        presence: PresenceBoard,
        scores: SatisfactionScores,
        clock: Clock = utc_now,
        new_id: Callable[[], str] = new_hex_id,
        at_risk_window: timedelta = AT_RISK_WINDOW,
        on_resolved: ResolutionListener | None = None,
        engagement: XEngagement | None = None,
    ) -> None:
        self.ctx = ctx = CaseWorkContext(
            cases=cases,
            agents=agents,
            brands=brands,
            sender=sender,
            deliveries=deliveries,
            corrections=corrections,
            canned=canned,
            signals=signals,
            metrics=metrics,
            presence=presence,
            scores=scores,
            clock=clock,
            new_id=new_id,
            at_risk_window=at_risk_window,
            on_resolved=on_resolved,
            engagement=engagement,
        )
        self._access = access = Access(ctx)
        self._changes = changes = CaseChanges(ctx, access)
        self._presence = CasePresence(ctx, access)
        self._queries = CaseQueries(ctx, access, self._presence)
        self._claims = Claims(ctx, access, changes)
        self._replies = Replies(ctx, access, changes)
        self._assignment = Assignment(ctx, access, changes)
        self._resolution = Resolution(ctx, access, changes)
        self._restore = Restore(ctx, access, changes)
        self._engagement = Engagement(ctx, access, changes)
        self._canned = CannedLibrary(ctx)

    @property
    def on_resolved(self) -> ResolutionListener | None:
        """Told of each case an agent resolves (follow-up schedules its survey)."""
        return self.ctx.on_resolved

    @on_resolved.setter
    def on_resolved(self, listener: ResolutionListener | None) -> None:
        self.ctx.on_resolved = listener

    # ------------------------------------------------------------------ who is asking
    def principal(self, brand_id: str, agent_id: str) -> Principal:
        return self._access.principal(brand_id, agent_id)

    # ------------------------------------------------------------------ reading
    def queues(self, p: Principal) -> list[QueueSummary]:
        return self._queries.queues(p)

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
        return self._queries.list_cases(p, queue=queue, status=status, assignee=assignee, q=q, limit=limit)

    def case(self, p: Principal, case_id: str) -> CaseDetail:
        return self._queries.case(p, case_id)

    def agent_list(self, p: Principal) -> list[AgentView]:
        return self._queries.agent_list(p)

    def sla(self, case: Case) -> SlaClock:
        return sla_clock(case, self.ctx.clock())

    def mark_presence(self, p: Principal, case_id: str, typing: bool) -> list[Presence]:
        return self._presence.mark(p, case_id, typing)

    # ------------------------------------------------------------------ claims
    def claim(self, p: Principal, case_id: str) -> Case:
        return self._claims.claim(p, case_id)

    def unclaim(self, p: Principal, case_id: str) -> Case:
        return self._claims.unclaim(p, case_id)

    # ------------------------------------------------------------------ replies and notes
    def preview(self, p: Principal, case_id: str, request: ReplyRequest) -> ReplyPreview:
        return self._replies.preview(p, case_id, request)

    def reply(self, p: Principal, case_id: str, request: ReplyRequest, reply_id: str) -> ReplyView:
        return self._replies.reply(p, case_id, request, reply_id)

    def record_delivery(
        self, case: Case, message: CaseMessage, result: DeliveryResult, p: Principal, *, final: bool = False
    ) -> ReplyView:
        return self._replies.record_delivery(case, message, result, p, final=final)

    def note(self, p: Principal, case_id: str, text: str) -> CaseMessage:
        return self._replies.note(p, case_id, text)

    # ------------------------------------------------------------------ moving, resolving, restoring
    def reassign(
        self,
        p: Principal,
        case_id: str,
        *,
        queue: str | None = None,
        agent_id: str | None = None,
        reason: str = "",
    ) -> Case:
        return self._assignment.reassign(p, case_id, queue=queue, agent_id=agent_id, reason=reason)

    def resolve(self, p: Principal, case_id: str, reason: str = "") -> Case:
        return self._resolution.resolve(p, case_id, reason)

    def resolve_many(self, p: Principal, case_ids: list[str], reason: str = "") -> dict[str, str]:
        return self._resolution.resolve_many(p, case_ids, reason)

    def reopen(self, p: Principal, case_id: str, reason: str = "") -> Case:
        return self._resolution.reopen(p, case_id, reason)

    def closed_automatically(self, p: Principal, limit: int = 50) -> list[tuple[Case, str]]:
        return self._restore.closed_automatically(p, limit)

    def restore(self, p: Principal, case_id: str, reason: str = "") -> Case:
        return self._restore.restore(p, case_id, reason)

    def update_case(self, case: Case, change: Change) -> Case:
        """Apply `change` as the service's own actions do (re-read and retry on a concurrent change)."""
        return self._changes.apply(case, change)

    # ------------------------------------------------------------------ acting on X without posting
    def like(self, p: Principal, case_id: str) -> tuple[Case, str]:
        return self._engagement.like(p, case_id)

    def follow(self, p: Principal, case_id: str) -> tuple[Case, bool]:
        return self._engagement.follow(p, case_id)

    # ------------------------------------------------------------------ canned responses
    def canned_responses(self, p: Principal) -> list[CannedResponse]:
        return self._canned.canned_responses(p)

    def put_canned_response(self, p: Principal, response_id: str, title: str, text: str) -> CannedResponse:
        return self._canned.put_canned_response(p, response_id, title, text)

    def delete_canned_response(self, p: Principal, response_id: str) -> None:
        self._canned.delete_canned_response(p, response_id)
