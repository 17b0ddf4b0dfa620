"""Case work: every action an agent takes on a case, checked against who they are and the case's state.

Visibility. An agent works the queues of their skills (a skill's queue in the brand's triage config, or a
queue named directly among their skills, such as "triage"); a supervisor works every queue of the brand.
A case of another brand does not exist for them (404); a case in a queue they do not work is 403.

Claims. Who holds a case is decided by one conditional write (the ASSIGNMENT record, see
carebird.storage.cases): of two agents claiming at once, exactly one gets it and the other is told who.
Replying needs the claim, so two agents never answer one customer. Unclaiming, reassigning and resolving a
case someone else holds needs a supervisor.

States. queued -> (claim) assigned -> (reply on X) pending_customer -> (resolve) resolved -> (reopen)
queued. Reassigning moves an open case to another queue (queued) or agent (assigned); every move is kept
as a routing correction for retraining the classifier. A request the state does not allow is refused with
the state in the message, never half done.

Replies. The reply is recorded on the case (pending) before X is called, then delivered through
carebird.outbound (split into a numbered thread at X's weights, each part once, transient X errors
retried), and its delivery status (sent, pending, or failed with X's reason) is kept on the message. The
first reply that is whole on X stops the first-response clock: first_response_at and sla_met are recorded
with the reason, and a workflow waiting on the case (a Step Functions task token) is signalled.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from carebird.brands.desk import TriageConfig, TriageConfigError
from carebird.cases import ports as case_ports
from carebird.cases.model import Agent, Case, CaseMessage, CaseStatus, Channel, Decision
from carebird.cases.ports import CaseConflict, CaseHeld
from carebird.casework.canned import render
from carebird.casework.errors import (
    CaseTooLarge,
    ClaimedByOther,
    Conflict,
    Forbidden,
    Invalid,
    NotClaimed,
    NotFound,
    TransitionNotAllowed,
    UnknownAgent,
    XUnavailable,
)
from carebird.casework.model import (
    AgentView,
    CannedResponse,
    CaseDetail,
    ClockView,
    EarlierCase,
    PartView,
    Presence,
    Principal,
    QueueSummary,
    ReplyPreview,
    ReplyRequest,
    ReplyView,
    RoutingCorrection,
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
    WorkflowSignal,
    XEngagement,
)
from carebird.casework.preview import PreviewContext, preview_reply
from carebird.classifier.priority import priority_from_classification
from carebird.metric_names import MetricName
from carebird.observability import logger
from carebird.outbound.errors import ReplyConflict
from carebird.outbound.model import Channel as OutChannel
from carebird.outbound.model import DeliveryResult, DeliveryStatus, OutgoingReply, PartStatus
from carebird.outbound.text import EmptyReply, InvalidReply, ReplyTooLong, is_blank
from carebird.sla import clocks
from carebird.triage.lanes import CLOSED_AUTOMATICALLY
from carebird.triage.service import choose_queue

Clock = Callable[[], datetime]
OPEN_STATUSES = (CaseStatus.QUEUED, CaseStatus.ASSIGNED, CaseStatus.PENDING_CUSTOMER)
AT_RISK_WINDOW = timedelta(minutes=30)
MAX_LIST = 200
# An agent's presence on a case lasts this long unless the page says so again (it does every ~10 s).
PRESENCE_SECONDS = 30
EARLIER_CASES = 10
_MAX_CONFLICT_RETRIES = 5
# A delivery that failed with one of these may still go through on a retry: the reconciler tries it.
_RETRYABLE = frozenset({"x_unavailable", "rate_limited", "in_progress", "unconfirmed"})
# Longest reason (reassign, resolve, reopen) and note the service keeps: a decision or message stays small.
MAX_REASON = 500
MAX_NOTE = 5_000


def _utc_now() -> datetime:
    return datetime.now(UTC)


def queues_of(agent: Agent, config: TriageConfig) -> frozenset[str]:
    """The queues an agent works: those of their skills, and queues named among their skills."""
    if agent.role == "supervisor":
        return frozenset(config.queues)
    queues = {config.skills[s].queue for s in agent.skills if s in config.skills}
    queues |= {s for s in agent.skills if s in config.queues}
    return frozenset(queues)


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
        signal: WorkflowSignal,
        metrics: MetricsSink,
        presence: PresenceBoard,
        scores: SatisfactionScores,
        clock: Clock = _utc_now,
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
        at_risk_window: timedelta = AT_RISK_WINDOW,
        on_resolved: ResolutionListener | None = None,
        engagement: XEngagement | None = None,
    ) -> None:
        self.engagement = engagement
        self.cases = cases
        self.agents = agents
        self.brands = brands
        self.sender = sender
        self.deliveries = deliveries
        self.corrections = corrections
        self.canned = canned
        self.on_resolved = on_resolved
        self.presence = presence
        self.scores = scores
        self.signal = signal
        self.metrics = metrics
        self.clock = clock
        self.new_id = new_id
        self.at_risk_window = at_risk_window

    # ------------------------------------------------------------------ who is asking
    def principal(self, brand_id: str, agent_id: str) -> Principal:
        agent = self.agents.agent(brand_id, agent_id)
        if agent is None:
            raise UnknownAgent(
                f"there is no agent {agent_id} for this brand; a supervisor adds agents with "
                "`carebird agent add`"
            )
        return Principal(
            agent_id=agent.id,
            brand_id=brand_id,
            role=agent.role,
            name=agent.name,
            queues=queues_of(agent, self._config(brand_id)),
        )

    def _config(self, brand_id: str) -> TriageConfig:
        brand = self.brands.get_brand(brand_id)
        if brand is None:
            raise UnknownAgent(f"brand {brand_id} is not registered")
        return brand.config.triage

    def _visible(self, p: Principal, case_id: str) -> Case:
        case = self.cases.get(case_id)
        if case is None or case.brand_id != p.brand_id:
            raise NotFound(f"there is no case {case_id}")
        if not p.works(case.queue):
            raise Forbidden(f"case {case_id} is in queue {case.queue}, which you do not work")
        return case

    # ------------------------------------------------------------------ reading
    def queues(self, p: Principal) -> list[QueueSummary]:
        now = self.clock()
        return [self._summary(p.brand_id, queue, now) for queue in sorted(p.queues)]

    def _summary(self, brand_id: str, queue: str, now: datetime) -> QueueSummary:
        open_cases = [
            c for s in OPEN_STATUSES for c in self.cases.queue(brand_id, queue, s.value, limit=None)
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
            at_risk=sum(1 for d in due if d - now <= self.at_risk_window),
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
        limit = max(1, min(limit, MAX_LIST))
        needle = q.strip().removeprefix("@").casefold() if q else ""
        every = assignee is not None or bool(needle)  # filtered after the query: read the whole queue
        if queue is not None:
            if queue not in self._config(p.brand_id).queues:
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
                for c in self.cases.assigned_to(p.brand_id, assignee)
                if c.status in statuses and c.queue in queues and p.works(c.queue)
            ]
        else:
            found = [
                c
                for name in queues
                for s in statuses
                for c in self.cases.queue(p.brand_id, name, s.value, limit=None if every else limit)
                if assignee is None or c.assignee == assignee
            ]
        if needle:
            found = [c for c in found if _matches(c, needle)]
        found.sort(key=lambda c: (c.first_response_due or c.created_at, c.id))
        return found[:limit]

    def case(self, p: Principal, case_id: str) -> CaseDetail:
        case = self._visible(p, case_id)
        messages = self.cases.messages(case_id)
        replies = {m.id: self._reply_view(case, m) for m in messages if m.direction == "out"}
        return CaseDetail(
            case=case,
            messages=messages,
            replies=replies,
            sla=self.sla(case),
            held_by=case.assignee,
            presence=self._others_present(case.id, p.agent_id),
            earlier_cases=self._earlier_cases(case),
        )

    def _others_present(self, case_id: str, me: str) -> list[Presence]:
        now = self.clock()
        marks = [m for m in self.presence.present(case_id) if m.agent_id != me and m.until > now]
        return sorted(marks, key=lambda m: (m.name.casefold(), m.agent_id))

    def _earlier_cases(self, case: Case) -> list[EarlierCase]:
        found = self.cases.customer_cases(case.brand_id, case.customer.id, EARLIER_CASES + 1)
        others = [c for c in found if c.id != case.id][:EARLIER_CASES]
        return [c.model_copy(update={"csat": self.scores.csat(c.id)}) for c in others]

    # ------------------------------------------------------------------ collision
    def mark_presence(self, p: Principal, case_id: str, typing: bool) -> list[Presence]:
        """The agent has the case open (typing a reply, or not) for the next PRESENCE_SECONDS; returns the
        other agents present."""
        case = self._visible(p, case_id)
        until = self.clock() + timedelta(seconds=PRESENCE_SECONDS)
        mark = Presence(agent_id=p.agent_id, name=p.name or p.agent_id, typing=typing, until=until)
        self.presence.mark(case.id, mark)
        return self._others_present(case.id, p.agent_id)

    # ------------------------------------------------------------------ colleagues
    def agent_list(self, p: Principal) -> list[AgentView]:
        """The brand's agents and supervisors, by name (the reassign picker)."""
        found = sorted(self.agents.agents(p.brand_id), key=lambda a: ((a.name or a.id).casefold(), a.id))
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

    # ------------------------------------------------------------------ composing
    def preview(self, p: Principal, case_id: str, request: ReplyRequest) -> ReplyPreview:
        """What the reply would become on X (its text with a canned response filled in, its parts, cost
        and warnings); nothing is sent and nothing is stored."""
        case = self._visible(p, case_id)
        text = self._reply_text(p, case, request)
        channel = request.channel or case.channel
        messages = self.cases.messages(case_id)
        if request.in_reply_to_id is not None:
            self._reply_target(case, messages, channel, request.in_reply_to_id)  # refuses a wrong post
        brand = self.brands.get_brand(p.brand_id)
        context = PreviewContext(
            brand_handle=brand.handle if brand is not None else "",
            customer_handle=case.customer.username,
            messages=messages,
            in_reply_to_id=request.in_reply_to_id,
        )
        return preview_reply(text, channel, context)

    def sla(self, case: Case) -> SlaClock:
        now = self.clock()
        due = case.first_response_due
        later: dict[str, Any] = {}
        for name in clocks.CLOCKS:
            shown = clocks.view(case, name, now)
            if shown is not None:
                later[name] = ClockView.model_validate(shown)
        if case.first_response_at is not None:
            met = case.sla_met
            return SlaClock(
                state="breached" if met is False else "met",
                started_at=case.first_message_at,
                due_at=due,
                stopped_at=case.first_response_at,
                met=met,
                **later,
            )
        if not case.status.is_open:
            return SlaClock(state="not_required", started_at=case.first_message_at, due_at=due, **later)
        left = int((due - now).total_seconds()) if due else None
        return SlaClock(
            state="breached" if left is not None and left < 0 else "running",
            started_at=case.first_message_at,
            due_at=due,
            seconds_left=left,
            **later,
        )

    def _reply_view(self, case: Case, message: CaseMessage) -> ReplyView:
        base: dict[str, Any] = {
            "id": message.id,
            "case_id": case.id,
            "channel": message.channel,
            "text": message.text,
            "author_id": message.author_id,
            "created_at": message.created_at,
            "in_reply_to_id": message.in_reply_to_id,
        }
        record = self.deliveries.reply(case.id, message.id)
        if record is None:  # never reached the outbox, or its records expired: the snapshot tells
            snapshot = message.delivery or {"status": "pending"}
            return ReplyView(
                **base,
                status=str(snapshot.get("status", "pending")),
                error_code=snapshot.get("error_code"),
                error=snapshot.get("error"),
                x_ids=list(snapshot.get("x_ids") or []),
            )
        stored = self.deliveries.parts(case.id, message.id)
        parts: list[PartView] = []
        for index, text in enumerate(record.parts, 1):
            part = stored.get(index)
            if part is None:
                parts.append(PartView(index=index, text=text, status="not_sent"))
            else:
                parts.append(
                    PartView(
                        index=index,
                        text=part.text,
                        status=part.status.value,
                        x_id=part.x_id,
                        error_code=part.error_code,
                        error=part.error_message,
                    )
                )
        statuses = {p.status for p in parts}
        failed = next((p for p in parts if p.status == PartStatus.FAILED.value), None)
        status = "sent" if statuses == {"sent"} else "failed" if failed else "pending"
        trouble = failed or next((p for p in parts if p.error), None)
        error_code = trouble.error_code if trouble and status != "sent" else None
        error = trouble.error if trouble and status != "sent" else None
        snapshot = message.delivery or {}
        if status == "pending" and snapshot.get("status") == "failed":
            # The delivery reconciler gave up on it: failed, whatever a dead delivery left in the outbox.
            status, error_code, error = "failed", snapshot.get("error_code"), snapshot.get("error")
        return ReplyView(
            **base,
            status=status,
            error_code=error_code,
            error=error,
            x_ids=[p.x_id for p in parts if p.x_id],
            parts=parts,
        )

    # ------------------------------------------------------------------ claims
    def claim(self, p: Principal, case_id: str) -> Case:
        case = self._visible(p, case_id)
        if not case.status.is_open:
            raise TransitionNotAllowed(f"case {case_id} is {case.status.value}: reopen it before claiming it")
        agent = self._agent(p)
        now = self.clock()
        holder = self.agents.holder(case_id)
        if holder is not None and holder != p.agent_id:
            raise self._claimed_by(p.brand_id, case_id, holder)

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
        return self._update(case, claimed, claim_for=agent if holder is None else None)

    def unclaim(self, p: Principal, case_id: str) -> Case:
        case = self._visible(p, case_id)
        if not case.status.is_open:
            raise TransitionNotAllowed(f"case {case_id} is {case.status.value}: no claim to give back")
        holder = self.agents.holder(case_id) or case.assignee
        if holder is None:
            raise TransitionNotAllowed(f"case {case_id} is not claimed by anyone")
        if holder != p.agent_id and not p.is_supervisor:
            raise self._claimed_by(p.brand_id, case_id, holder)
        self.agents.release(holder, case_id)
        now = self.clock()
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

        return self._update(case, released)

    def _claimed_by(self, brand_id: str, case_id: str, holder: str) -> ClaimedByOther:
        """The refusal naming who holds the case, by their display name where they have one."""
        agent = self.agents.agent(brand_id, holder)
        return ClaimedByOther(case_id, holder, agent.name if agent is not None and agent.name else None)

    def _agent(self, p: Principal) -> Agent:
        agent = self.agents.agent(p.brand_id, p.agent_id)
        if agent is None:
            raise UnknownAgent(f"there is no agent {p.agent_id} for this brand")
        return agent

    # ------------------------------------------------------------------ replies
    def reply(self, p: Principal, case_id: str, request: ReplyRequest, reply_id: str) -> ReplyView:
        """Send a reply on X. A retry with the same `reply_id` resumes the same reply: never posts twice."""
        case = self._visible(p, case_id)
        if case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
            raise TransitionNotAllowed(f"case {case_id} is {case.status.value}: reopen it to reply")
        if case.assignee is None or case.status is CaseStatus.QUEUED:
            raise NotClaimed(f"claim case {case_id} before replying, so no one else answers it too")
        if case.assignee != p.agent_id:
            raise self._claimed_by(p.brand_id, case_id, case.assignee)
        text = self._reply_text(p, case, request)
        messages = self.cases.messages(case_id)
        channel = request.channel or case.channel
        target = self._reply_target(case, messages, channel, request.in_reply_to_id)
        try:
            outgoing = OutgoingReply(
                case_id=case.id,
                reply_id=reply_id,
                brand_id=case.brand_id,
                channel=OutChannel(channel.value),
                customer_id=case.customer.id,
                customer_handle=case.customer.username or None,
                in_reply_to_tweet_id=target,
                text=text,
            )
            self.sender.plan(outgoing)
        except ReplyTooLong as exc:
            raise Invalid(str(exc), "reply_too_long") from None
        except EmptyReply as exc:
            raise Invalid(str(exc), "empty_reply") from None
        except InvalidReply as exc:
            raise Invalid(str(exc), "invalid_reply") from None
        existing = next((m for m in messages if m.id == reply_id and m.direction == "out"), None)
        if existing is not None and existing.text != text:
            raise Conflict(f"reply {reply_id} was already sent with other text; a new reply needs a new key")
        message = existing or CaseMessage(
            id=reply_id,
            direction="out",
            channel=channel,
            author_id=p.agent_id,
            text=text,
            created_at=self.clock(),
            conversation_id=case.conversation_ids[0]
            if channel is Channel.PUBLIC and case.conversation_ids
            else None,
            in_reply_to_id=target if channel is Channel.PUBLIC else None,
            delivery={"status": "pending"},
        )
        if existing is None:
            # Recorded before X is called: a delivery that dies halfway still shows on the case.
            self.cases.add_message(case, message)
        try:
            result = self.sender.deliver(outgoing)
        except ReplyConflict as exc:
            raise Conflict(str(exc)) from None
        return self.record_delivery(case, message, result, p)

    def record_delivery(
        self, case: Case, message: CaseMessage, result: DeliveryResult, p: Principal, *, final: bool = False
    ) -> ReplyView:
        """Take a delivery's outcome into the case: the message's delivery snapshot, and for a reply whole
        on X the case's clocks. Once the case has it (sent, refused by X, or `final`), the outbox entry
        is settled and the delivery reconciler leaves it alone."""
        view = _view_of(message, result)
        snapshot = {
            "status": view.status,
            "x_ids": view.x_ids,
            "error_code": view.error_code,
            "error": view.error,
        }
        self.cases.put_message(case.id, message.model_copy(update={"delivery": snapshot}))
        if result.status is DeliveryStatus.DELIVERED:
            self._replied(case, p, self.clock())
        if final or view.status == "sent" or (view.status == "failed" and view.error_code not in _RETRYABLE):
            self.deliveries.settle(case.id, message.id)
        return view

    def _reply_text(self, p: Principal, case: Case, request: ReplyRequest) -> str:
        if (request.text is None) == (request.canned_response_id is None):
            raise Invalid("give either text or canned_response_id")
        if request.text is not None:
            return request.text
        assert request.canned_response_id is not None
        canned = self.canned.canned_response(p.brand_id, request.canned_response_id)
        if canned is None:
            raise Invalid(f"there is no canned response {request.canned_response_id}")
        brand = self.brands.get_brand(p.brand_id)
        known = {
            "customer_name": case.customer.name or case.customer.username or "there",
            "customer_handle": f"@{case.customer.username}" if case.customer.username else "",
            "agent_name": p.name or p.agent_id,
            "brand_handle": f"@{brand.handle}" if brand else "",
            "case_id": case.id,
        }
        return render(canned.text, {**(request.variables or {}), **known})

    @staticmethod
    def _reply_target(
        case: Case, messages: list[CaseMessage], channel: Channel, asked: str | None
    ) -> str | None:
        if channel is Channel.DM:
            if asked is not None:
                raise Invalid("in_reply_to_id is for public replies; a DM goes to the customer")
            return None
        posts = [m.id for m in messages if m.direction == "in" and m.channel is Channel.PUBLIC]
        if asked is not None:
            if asked not in posts:
                raise Invalid(f"{asked} is not a post of the customer in case {case.id}")
            return asked
        if not posts:
            raise Invalid(f"case {case.id} has no public post of the customer to reply under; reply by DM")
        return posts[-1]  # the customer's latest post: the reply lands at the end of their thread

    def _replied(self, case: Case, p: Principal, at: datetime) -> None:
        """A reply is whole on X: the first one stops the first-response clock; the case waits on the
        customer."""
        signalled: set[str] = set()

        def answered(current: Case) -> Case | None:
            changes: dict[str, Any] = {"updated_at": at}
            if current.status is CaseStatus.ASSIGNED:
                changes["status"] = CaseStatus.PENDING_CUSTOMER
            if current.first_response_at is not None:
                current, next_met = clocks.stop_next_response(current, at, p.agent_id)
                if next_met is not None:
                    next_response.append(next_met)
                elif "status" not in changes:
                    return None
                return current.model_copy(update=changes)
            due = current.first_response_due
            met = None if due is None else at <= due
            waited = int((at - current.first_message_at).total_seconds())
            if due is None:
                verdict, why = "no_target", "no first-response target"
            else:
                verdict = "met" if met else "missed"
                why = f"{'within' if met else 'after'} the target due {due.isoformat()}"
            token = current.first_response_task_token
            if token is not None and token not in signalled:
                self.signal.first_response(
                    token,
                    {
                        "case_id": current.id,
                        "first_response_at": at.isoformat(),
                        "sla_met": met,
                        "agent_id": p.agent_id,
                    },
                )
                signalled.add(token)
            changes.update(first_response_at=at, sla_met=met, first_response_task_token=None)
            return current.with_decision(
                Decision(
                    at=at,
                    kind="first_response",
                    value=verdict,
                    reason=f"first reply by {p.agent_id}, {waited} s after the customer wrote, {why}",
                    by=p.agent_id,
                ),
                **changes,
            )

        next_response: list[bool] = []  # the next-response clock this reply stopped: met or not
        before = case.first_response_at
        before_next = case.next_response_since
        updated = self._update(case, answered)
        if next_response and before_next is not None and updated.next_response_since is None:
            self.metrics.add_metric(
                MetricName.TIME_TO_NEXT_RESPONSE, "Seconds", (at - before_next).total_seconds()
            )
        if before is None and updated.first_response_at == at:
            self.metrics.add_metric(
                MetricName.TIME_TO_FIRST_RESPONSE, "Seconds", (at - updated.first_message_at).total_seconds()
            )
            if updated.sla_met is False:
                # Not SlaBreaches: the triage workflow counts the breach itself, when the target passes.
                self.metrics.add_metric(MetricName.FIRST_RESPONSES_LATE, "Count", 1)
            logger.info(
                "first response", extra={"case_id": case.id, "sla_met": updated.sla_met, "agent": p.agent_id}
            )

    # ------------------------------------------------------------------ notes
    def note(self, p: Principal, case_id: str, text: str) -> CaseMessage:
        case = self._visible(p, case_id)
        if is_blank(text):
            raise Invalid("the note is empty")
        if len(text) > MAX_NOTE:
            raise Invalid(f"the note is {len(text)} characters; at most {MAX_NOTE}", "note_too_long")
        message = CaseMessage(
            id=f"note-{self.new_id()}",
            direction="note",
            channel=case.channel,
            author_id=p.agent_id,
            text=text,
            created_at=self.clock(),
        )
        self.cases.add_message(case, message)
        return message

    # ------------------------------------------------------------------ moving cases
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
        _check_reason(reason)
        case = self._visible(p, case_id)
        if not case.status.is_open:
            raise TransitionNotAllowed(f"case {case_id} is {case.status.value}: reopen it to reassign it")
        holder = case.assignee
        if holder is not None and holder != p.agent_id and not p.is_supervisor:
            raise self._claimed_by(p.brand_id, case_id, holder)
        config = self._config(p.brand_id)
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
            self.agents.release(case.assignee, case.id)
        now = self.clock()
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

        updated = self._update(case, moved)
        self._correct(p, case, updated, "queue", reason, now)
        return updated

    def _to_agent(self, p: Principal, case: Case, agent_id: str, config: TriageConfig, reason: str) -> Case:
        target = self.agents.agent(p.brand_id, agent_id)
        if target is None:
            raise Invalid(f"there is no agent {agent_id}")
        if case.queue not in queues_of(target, config):
            raise Invalid(f"{agent_id} does not work queue {case.queue}")
        if case.assignee == agent_id:
            raise Invalid(f"case {case.id} is already {agent_id}'s")
        if case.assignee is not None:
            self.agents.release(case.assignee, case.id)
        now = self.clock()
        holder = self.agents.holder(case.id)
        if holder is not None and holder != agent_id:
            raise self._claimed_by(p.brand_id, case.id, holder)
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

        updated = self._update(case, handed, claim_for=target if holder is None else None)
        self._correct(p, case, updated, "agent", reason, now)
        return updated

    def _correct(self, p: Principal, before: Case, after: Case, kind: str, reason: str, at: datetime) -> None:
        first = next((m for m in self.cases.messages(before.id) if m.direction == "in"), None)
        correction = RoutingCorrection(
            id=self.new_id(),
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
        self.corrections.record(correction)
        self.metrics.add_metric(MetricName.ROUTING_CORRECTIONS, "Count", 1)

    def resolve(self, p: Principal, case_id: str, reason: str = "") -> Case:
        _check_reason(reason)
        case = self._visible(p, case_id)
        if not case.status.is_open:
            raise TransitionNotAllowed(f"case {case_id} is already {case.status.value}")
        holder = case.assignee
        if holder is not None and holder != p.agent_id and not p.is_supervisor:
            raise self._claimed_by(p.brand_id, case_id, holder)
        if holder is not None:
            self.agents.release(holder, case_id)
        now = self.clock()
        why = f"resolved by {p.agent_id}" + (f": {reason}" if reason else "")

        def resolved(current: Case) -> Case | None:
            if not current.status.is_open:
                raise TransitionNotAllowed(f"case {case_id} is already {current.status.value}")
            return current.with_decision(
                Decision(at=now, kind="resolved", value="resolved", reason=why, by=p.agent_id),
                status=CaseStatus.RESOLVED,
                updated_at=now,
            )

        done = self._update(case, resolved)
        # ResponseRate: of the cases agents resolve, the share the brand answered (average, in percent).
        self.metrics.add_metric(
            MetricName.RESPONSE_RATE, "Percent", 100.0 if done.first_response_at is not None else 0.0
        )
        if self.on_resolved is not None:
            # The case is resolved whatever happens here; a survey that cannot be scheduled is logged and
            # counted, never turned into an error for the agent.
            try:
                self.on_resolved.case_resolved(done, now)
            except Exception:
                logger.exception("survey not scheduled", extra={"case_id": done.id})
                self.metrics.add_metric(MetricName.SURVEY_SCHEDULE_FAILURES, "Count", 1)
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

    # ------------------------------------------------------------------ acting on X without posting
    def like(self, p: Principal, case_id: str) -> tuple[Case, str]:
        """Like the customer's first post of the case (acknowledging praise in one action)."""
        case = self._visible(p, case_id)
        first = next(
            (m for m in self.cases.messages(case.id) if m.direction == "in" and m.channel is Channel.PUBLIC),
            None,
        )
        if first is None:
            raise Invalid(f"case {case_id} has no public post to like (a DM case)")
        self._on_x(case, lambda engagement, brand: engagement.like(brand, first.id), "like")
        now = self.clock()
        done = self._update(
            case,
            lambda current: current.with_decision(
                Decision(
                    at=now, kind="liked", value=first.id, reason=f"liked by {p.agent_id}", by=p.agent_id
                ),
                updated_at=now,
            ),
        )
        return done, first.id

    def follow(self, p: Principal, case_id: str) -> tuple[Case, bool]:
        """Follow the customer as the brand: on X a user with closed DMs takes messages from accounts
        they follow, so "follow me so I can DM you" needs this before the DM. (case, following):
        following is False while a protected account has not approved the follow."""
        case = self._visible(p, case_id)
        following = self._on_x(
            case, lambda engagement, brand: engagement.follow(brand, case.customer.id), "follow"
        )
        now = self.clock()
        what = "followed" if following else "follow requested (the account approves followers)"
        done = self._update(
            case,
            lambda current: current.with_decision(
                Decision(
                    at=now,
                    kind="followed",
                    value=case.customer.id,
                    reason=f"{what} by {p.agent_id}: the customer can DM the brand",
                    by=p.agent_id,
                ),
                updated_at=now,
            ),
        )
        return done, bool(following)

    def _on_x(self, case: Case, act: Callable[[XEngagement, Any], Any], what: str) -> Any:
        from carebird.outbound.errors import XRefused
        from carebird.ports.x import TransientXError, XAuthError, XBadRequest, XRateLimited

        if self.engagement is None:
            raise Invalid(f"this deployment cannot {what} on X", code="not_configured")
        brand = self.brands.get_brand(case.brand_id)
        if brand is None:
            raise NotFound(f"brand {case.brand_id} is not registered")
        try:
            return act(self.engagement, brand)
        except (XRateLimited, TransientXError) as exc:
            raise XUnavailable(f"X did not take the {what}: {exc}; try again") from None
        except (XRefused, XAuthError, XBadRequest) as exc:
            raise Invalid(f"X refused the {what}: {exc}", code="x_refused") from None

    # ------------------------------------------------------------------ closed automatically
    def closed_automatically(self, p: Principal, limit: int = 50) -> list[tuple[Case, str]]:
        """The brand's cases triage closed without a person (strong-signal spam, or praise when the brand
        opted in), newest first: the list where an agent restores one."""
        config = self._config(p.brand_id)
        if not p.works(config.triage_queue):
            raise Forbidden(f"closed cases sit in queue {config.triage_queue}, which you do not work")
        closed = self.cases.queue(p.brand_id, config.triage_queue, status=CaseStatus.CLOSED.value, limit=None)
        automatic = [c for c in closed if (c.closed_reason or "").startswith(CLOSED_AUTOMATICALLY)]
        automatic.sort(key=lambda c: c.created_at, reverse=True)
        return [(c, self._first_text(c)) for c in automatic[:limit]]

    def _first_text(self, case: Case) -> str:
        first = next((m for m in self.cases.messages(case.id) if m.direction == "in"), None)
        return first.text if first else ""

    def restore(self, p: Principal, case_id: str, reason: str = "") -> Case:
        """Undo an automatic close in one action: the case is routed as a message that needs an answer
        (queue by skill, priority by the documented score) and the restore is kept as a correction."""
        case = self._visible(p, case_id)
        if case.status is not CaseStatus.CLOSED or not (case.closed_reason or "").startswith(
            CLOSED_AUTOMATICALLY
        ):
            raise TransitionNotAllowed(f"case {case_id} was not closed automatically: reopen it instead")
        config = self._config(p.brand_id)
        corrected = {
            **case.classification,
            "spam": {"value": False, "confidence": 1.0},
            "needs_response": {"value": True, "confidence": 1.0},
        }
        queue, skill, language, why_queue = choose_queue(case.language, corrected, config)
        level = priority_from_classification(
            corrected, followers=case.customer.followers, verified=case.customer.verified, engagement={}
        )
        now = self.clock()
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

        updated = self._update(case, restored)
        self._correct(p, case, updated, "restore", reason or f"not {case.closed_reason}", now)
        return updated

    def reopen(self, p: Principal, case_id: str, reason: str = "") -> Case:
        _check_reason(reason)
        case = self._visible(p, case_id)
        if case.status.is_open:
            raise TransitionNotAllowed(
                f"case {case_id} is {case.status.value}: only resolved or closed cases can be reopened"
            )
        now = self.clock()
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

        return self._update(case, reopened)

    def _update(
        self, case: Case, change: Callable[[Case], Case | None], claim_for: Agent | None = None
    ) -> Case:
        """Apply `change` to the case and save it; on a concurrent change, re-read and apply it again.
        With `claim_for`, the case is given to that agent in the same transaction as the save."""
        config: list[TriageConfig | None] = []  # the brand's calendars, read once if a clock needs them

        def brand_config() -> TriageConfig | None:
            if not config:
                config.append(self._clock_config(case.brand_id))
            return config[0]

        for _ in range(_MAX_CONFLICT_RETRIES):
            updated = change(case)
            if updated is None:
                return case
            # Entering or leaving pending_customer pauses or resumes the resolution clock; a workflow
            # watching a clock this change moved is woken once the change is saved.
            updated, wake = clocks.settle(case, updated, self.clock(), brand_config)
            try:
                if claim_for is None:
                    saved = self.cases.save(updated)
                else:
                    saved = self.cases.save_claimed(updated, claim_for, self.clock())
            except CaseHeld as held:
                if held.holder != (claim_for.id if claim_for else None):
                    raise self._claimed_by(case.brand_id, case.id, held.holder) from None
                claim_for = None  # ours already (a retried request): save the change alone
                case = self.cases.get(case.id) or case
                continue
            except case_ports.CaseTooLarge as exc:
                logger.error("case too large to store", extra={"case_id": case.id})
                self.metrics.add_metric(MetricName.CASE_TOO_LARGE, "Count", 1)
                raise CaseTooLarge(
                    f"case {case.id} has grown past DynamoDB's item size limit (400 KB) and cannot be "
                    "stored; nothing was changed"
                ) from exc
            except CaseConflict:
                fresh = self.cases.get(case.id)
                if fresh is None:
                    raise NotFound(f"there is no case {case.id}") from None
                if fresh.version == case.version:
                    # Not a concurrent edit: the customer's conversation belongs to another open case.
                    raise TransitionNotAllowed(
                        f"the customer's conversation of case {case.id} continues in another open case"
                    ) from None
                case = fresh
                continue
            for token in wake:
                self.signal.first_response(
                    token, {"case_id": saved.id, "moved": True, "status": saved.status.value}
                )
            return saved
        raise Conflict(f"case {case.id} kept changing while this request tried to update it; try again")

    def update_case(self, case: Case, change: Callable[[Case], Case | None]) -> Case:
        """Apply `change` as the service's own actions do (re-read and retry on a concurrent change)."""
        return self._update(case, change)

    def _clock_config(self, brand_id: str) -> TriageConfig | None:
        """The brand's calendars for the SLA clocks; None (wall-clock time) if its config cannot load."""
        try:
            return self._config(brand_id)
        except (UnknownAgent, TriageConfigError):
            return None

    # ------------------------------------------------------------------ canned responses
    def canned_responses(self, p: Principal) -> list[CannedResponse]:
        return sorted(self.canned.canned_responses(p.brand_id), key=lambda r: r.id)

    def put_canned_response(self, p: Principal, response_id: str, title: str, text: str) -> CannedResponse:
        if not p.is_supervisor:
            raise Forbidden("only supervisors manage canned responses")
        response = CannedResponse(
            id=response_id,
            brand_id=p.brand_id,
            title=title,
            text=text,
            updated_by=p.agent_id,
            updated_at=self.clock(),
        )
        self.canned.put_canned_response(response)
        return response

    def delete_canned_response(self, p: Principal, response_id: str) -> None:
        if not p.is_supervisor:
            raise Forbidden("only supervisors manage canned responses")
        if not self.canned.delete_canned_response(p.brand_id, response_id):
            raise NotFound(f"there is no canned response {response_id}")


def _matches(case: Case, needle: str) -> bool:
    customer = case.customer
    return (
        needle in customer.username.casefold()
        or needle in customer.name.casefold()
        or any(needle in text.casefold() for text in case.customer_texts)
    )


def _check_reason(reason: str) -> None:
    if len(reason) > MAX_REASON:
        raise Invalid(f"the reason is {len(reason)} characters; at most {MAX_REASON}", "reason_too_long")


def _view_of(message: CaseMessage, result: DeliveryResult) -> ReplyView:
    status = {
        DeliveryStatus.DELIVERED: "sent",
        DeliveryStatus.FAILED: "failed",
        DeliveryStatus.IN_PROGRESS: "pending",
    }[result.status]
    return ReplyView(
        id=message.id,
        case_id=result.case_id,
        channel=message.channel,
        text=message.text,
        author_id=message.author_id,
        created_at=message.created_at,
        in_reply_to_id=message.in_reply_to_id,
        status=status,
        error_code=result.error_code if status != "sent" else None,
        error=result.error if status != "sent" else None,
        retry_at=result.retry_at if status != "sent" else None,
        x_ids=result.x_ids,
        parts=[
            PartView(
                index=part.index,
                text=part.text,
                status=part.status.value,
                x_id=part.x_id,
                error_code=part.error_code,
                error=part.error,
            )
            for part in result.parts
        ],
    )
