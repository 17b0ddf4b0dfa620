"""Replies and notes. Replying needs the claim, so two agents never answer one customer.

The reply is recorded on the case (pending) before X is called, then delivered through carebird.outbound
(split into a numbered thread at X's weights, each part once, transient X errors retried), and its delivery
status (sent, pending, or failed with X's reason) is kept on the message. The first reply that is whole on
X stops the first-response clock: first_response_at and sla_met are recorded with the reason, its alarm
is cleared once that is saved, and an SLA watch execution of the release before waiting on the case (a
Step Functions task token) is signalled.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from carebird.cases.model import Case, CaseMessage, CaseStatus, Channel, Decision
from carebird.casework.canned import render
from carebird.casework.changes import CaseJob
from carebird.casework.errors import Conflict, Invalid, NotClaimed, TransitionNotAllowed
from carebird.casework.model import Principal, ReplyPreview, ReplyRequest, ReplyView
from carebird.casework.preview import PreviewContext, preview_reply
from carebird.casework.views import delivery_view
from carebird.metric_names import MetricName
from carebird.moments import readable
from carebird.observability import logger
from carebird.outbound.errors import ReplyConflict
from carebird.outbound.model import Channel as OutChannel
from carebird.outbound.model import DeliveryResult, DeliveryStatus, OutgoingReply
from carebird.outbound.text import EmptyReply, InvalidReply, ReplyTooLong, is_blank
from carebird.sla import clocks

# A delivery that failed with one of these may still go through on a retry: the reconciler tries it.
RETRYABLE = frozenset({"x_unavailable", "rate_limited", "in_progress", "unconfirmed"})
# Longest note the service keeps: a message stays small.
MAX_NOTE = 5_000


class Replies(CaseJob):
    # ------------------------------------------------------------------ composing
    def preview(self, p: Principal, case_id: str, request: ReplyRequest) -> ReplyPreview:
        """What the reply would become on X (its text with a canned response filled in, its parts, cost
        and warnings); nothing is sent and nothing is stored."""
        case = self.access.visible(p, case_id)
        text = self._reply_text(p, case, request)
        channel = request.channel or case.channel
        messages = self.ctx.cases.messages(case_id)
        if request.in_reply_to_id is not None:
            _reply_target(case, messages, channel, request.in_reply_to_id)  # refuses a wrong post
        brand = self.ctx.brands.get_brand(p.brand_id)
        context = PreviewContext(
            brand_handle=brand.handle if brand is not None else "",
            customer_handle=case.customer.username,
            messages=messages,
            in_reply_to_id=request.in_reply_to_id,
        )
        return preview_reply(text, channel, context)

    def _reply_text(self, p: Principal, case: Case, request: ReplyRequest) -> str:
        if (request.text is None) == (request.canned_response_id is None):
            raise Invalid("give either text or canned_response_id")
        if request.text is not None:
            return request.text
        assert request.canned_response_id is not None
        canned = self.ctx.canned.canned_response(p.brand_id, request.canned_response_id)
        if canned is None:
            raise Invalid(f"there is no canned response {request.canned_response_id}")
        brand = self.ctx.brands.get_brand(p.brand_id)
        known = {
            "customer_name": case.customer.name or case.customer.username or "there",
            "customer_handle": f"@{case.customer.username}" if case.customer.username else "",
            "agent_name": p.name or p.agent_id,
            "brand_handle": f"@{brand.handle}" if brand else "",
            "case_id": case.id,
        }
        return render(canned.text, {**(request.variables or {}), **known})

    # ------------------------------------------------------------------ sending
    def reply(self, p: Principal, case_id: str, request: ReplyRequest, reply_id: str) -> ReplyView:
        """Send a reply on X. A retry with the same `reply_id` resumes the same reply: never posts twice."""
        case = self.access.visible(p, case_id)
        if case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
            raise TransitionNotAllowed(f"case {case_id} is {case.status.value}: reopen it to reply")
        if case.assignee is None or case.status is CaseStatus.QUEUED:
            raise NotClaimed(f"claim case {case_id} before replying, so no one else answers it too")
        if case.assignee != p.agent_id:
            raise self.access.claimed_by(p.brand_id, case_id, case.assignee)
        text = self._reply_text(p, case, request)
        messages = self.ctx.cases.messages(case_id)
        channel = request.channel or case.channel
        target = _reply_target(case, messages, channel, request.in_reply_to_id)
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
            self.ctx.sender.plan(outgoing)
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
            created_at=self.ctx.clock(),
            conversation_id=case.conversation_ids[0]
            if channel is Channel.PUBLIC and case.conversation_ids
            else None,
            in_reply_to_id=target if channel is Channel.PUBLIC else None,
            delivery={"status": "pending"},
        )
        if existing is None:
            # Recorded before X is called: a delivery that dies halfway still shows on the case.
            self.ctx.cases.add_message(case, message)
        try:
            result = self.ctx.sender.deliver(outgoing)
        except ReplyConflict as exc:
            raise Conflict(str(exc)) from None
        return self.record_delivery(case, message, result, p)

    def record_delivery(
        self, case: Case, message: CaseMessage, result: DeliveryResult, p: Principal, *, final: bool = False
    ) -> ReplyView:
        """Take a delivery's outcome into the case: the message's delivery snapshot, and for a reply whole
        on X the case's clocks. Once the case has it (sent, refused by X, or `final`), the outbox entry
        is settled and the delivery reconciler leaves it alone."""
        view = delivery_view(message, result)
        snapshot = {
            "status": view.status,
            "x_ids": view.x_ids,
            "error_code": view.error_code,
            "error": view.error,
        }
        self.ctx.cases.put_message(case.id, message.model_copy(update={"delivery": snapshot}))
        if result.status is DeliveryStatus.DELIVERED:
            self._replied(case, p, self.ctx.clock())
        if final or view.status == "sent" or (view.status == "failed" and view.error_code not in RETRYABLE):
            self.ctx.deliveries.settle(case.id, message.id)
        return view

    def _replied(self, case: Case, p: Principal, at: datetime) -> None:
        """A reply is whole on X: the first one stops the first-response clock; the case waits on the
        customer."""
        # The workflow waiting on the first response is signalled once the case that records it is saved:
        # woken earlier, it could read the case before the answer and wait again.
        pending: list[tuple[str | None, str | None]] = []  # (token, key) of the first-response watch
        output: dict[str, Any] = {"case_id": case.id}
        metrics = self.ctx.metrics

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
                why = f"{'within' if met else 'after'} the target due {readable(due)}"
            # The watch's token: its key on the case (the token beside it), or, on a case saved by the
            # release before, the token itself.
            key = current.watched.get(clocks.FIRST_RESPONSE)
            pending.clear()  # a retried change decides again on the case as it now is
            if key is not None or current.first_response_task_token is not None:
                pending.append((current.first_response_task_token, key))
            output.update(first_response_at=at.isoformat(), sla_met=met, agent_id=p.agent_id)
            watched = {c: k for c, k in current.watched.items() if c != clocks.FIRST_RESPONSE}
            changes.update(first_response_at=at, sla_met=met, first_response_task_token=None, watched=watched)
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
        updated = self.changes.apply(case, answered)
        if updated.first_response_at == at:
            for token, key in pending:
                try:
                    if key is not None:
                        kept = self.ctx.cases.watch_token(case.id, clocks.FIRST_RESPONSE, key)
                        if kept is not None:
                            self.ctx.signals.legacy.look_again(kept, output)
                    if token is not None:
                        self.ctx.signals.legacy.look_again(token, output)
                except Exception:  # the reply is on X and saved: the watch sees it at its next wake
                    logger.exception(
                        "first response saved, workflow not signalled", extra={"case_id": case.id}
                    )
        if next_response and before_next is not None and updated.next_response_since is None:
            metrics.add_metric(
                MetricName.TIME_TO_NEXT_RESPONSE, "Seconds", (at - before_next).total_seconds()
            )
        if before is None and updated.first_response_at == at:
            metrics.add_metric(
                MetricName.TIME_TO_FIRST_RESPONSE, "Seconds", (at - updated.first_message_at).total_seconds()
            )
            if updated.sla_met is False:
                # Not SlaBreaches: the triage workflow counts the breach itself, when the target passes.
                metrics.add_metric(MetricName.FIRST_RESPONSES_LATE, "Count", 1)
            logger.info(
                "first response", extra={"case_id": case.id, "sla_met": updated.sla_met, "agent": p.agent_id}
            )

    # ------------------------------------------------------------------ notes
    def note(self, p: Principal, case_id: str, text: str) -> CaseMessage:
        case = self.access.visible(p, case_id)
        if is_blank(text):
            raise Invalid("the note is empty")
        if len(text) > MAX_NOTE:
            raise Invalid(f"the note is {len(text)} characters; at most {MAX_NOTE}", "note_too_long")
        message = CaseMessage(
            id=f"note-{self.ctx.new_id()}",
            direction="note",
            channel=case.channel,
            author_id=p.agent_id,
            text=text,
            created_at=self.ctx.clock(),
        )
        self.ctx.cases.add_message(case, message)
        return message


def _reply_target(case: Case, messages: list[CaseMessage], channel: Channel, asked: str | None) -> str | None:
    """The customer's post the reply goes under (the one asked for, else their latest); None for a DM."""
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
