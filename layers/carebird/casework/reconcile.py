"""No delivery stays in flight: the reply function's schedule settles every outbox entry past its lease.

A reply is recorded on the case (pending) before X is called. If the function dies before the case takes
the outcome (killed, timed out, X's answer lost), the reply would stay pending for good: the post may be
on X while the first-response clock runs on and escalates a customer who has an answer. Every run, for
each reply recorded longer than a lease ago and not yet settled:

1. deliver it again through carebird.outbound: a part left pending is first looked up on X (the brand's
   posts replying in the thread, or the DM conversation), and marked sent if it is there; a part not on
   X is sent now, once (the retry); a part already sent is not touched;
2. sent whole: the case takes it as the agent's reply would have (snapshot, first response, clocks);
3. anything else: the reply is marked failed with X's reason, the case gets a `delivery_failed` decision
   the agent sees among the case's reasons, and the entry is settled.

Each reply that needed this counts in DeliveriesReconciled (alarm DeliveriesReconciledAlarm), and each
that could not be delivered in DeliveriesFailedUnattended.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from carebird.cases.model import Case, Decision
from carebird.casework.model import Principal
from carebird.metric_names import MetricName
from carebird.observability import logger
from carebird.outbound.errors import ReplyConflict, UnknownBrand
from carebird.outbound.model import Channel as OutChannel
from carebird.outbound.model import DeliveryStatus, OutgoingReply, ReplyRecord
from carebird.outbound.text import InvalidReply

if TYPE_CHECKING:
    from carebird.casework.service import CaseWorkService

DEFAULT_GRACE = timedelta(seconds=150)  # the delivery lease (120 s) and a call's budget past it


@dataclass
class ReconcileReport:
    examined: int = 0
    sent: list[str] = field(default_factory=list)  # reply ids now whole on X (found there, or retried)
    failed: list[str] = field(default_factory=list)  # reply ids marked failed, the agent told
    settled: int = 0  # entries whose case had its outcome already

    def as_dict(self) -> dict[str, int]:
        return {"examined": self.examined, "sent": len(self.sent), "failed": len(self.failed),
                "settled": self.settled}  # fmt: skip


class DeliveryReconciler:
    def __init__(self, service: CaseWorkService, grace: timedelta = DEFAULT_GRACE, batch: int = 100) -> None:
        self.service = service
        self.grace = grace
        self.batch = batch

    def run(self) -> ReconcileReport:
        report = ReconcileReport()
        s = self.service
        for record in s.ctx.deliveries.unsettled(s.ctx.clock() - self.grace, self.batch):
            report.examined += 1
            try:
                self._reconcile(record, report)
            except Exception:  # one bad entry must not hold up the others; it is looked at next run
                logger.exception(
                    "delivery not reconciled", extra={"case_id": record.case_id, "reply_id": record.reply_id}
                )
        if report.sent or report.failed:
            logger.warning("deliveries reconciled", extra=report.as_dict())
        return report

    def _reconcile(self, record: ReplyRecord, report: ReconcileReport) -> None:
        s = self.service
        case = s.ctx.cases.get(record.case_id)
        message = next(
            (
                m
                for m in s.ctx.cases.messages(record.case_id)
                if m.id == record.reply_id and m.direction == "out"
            ),
            None,
        )
        if case is None or message is None:  # nothing on the case to settle: the entry is an orphan
            s.ctx.deliveries.settle(record.case_id, record.reply_id)
            report.settled += 1
            return
        if (message.delivery or {}).get("status") == "sent" and case.first_response_at is not None:
            s.ctx.deliveries.settle(record.case_id, record.reply_id)
            report.settled += 1
            return
        author = Principal(
            agent_id=message.author_id, brand_id=case.brand_id, role="agent", name="", queues=frozenset()
        )
        outgoing = OutgoingReply(
            case_id=case.id,
            reply_id=record.reply_id,
            brand_id=case.brand_id,
            channel=OutChannel(message.channel.value),
            customer_id=case.customer.id,
            customer_handle=case.customer.username or None,
            in_reply_to_tweet_id=record.in_reply_to_tweet_id,
            text=message.text,
        )
        s.ctx.metrics.add_metric(MetricName.DELIVERIES_RECONCILED, "Count", 1)
        try:
            result = s.ctx.sender.deliver(outgoing)
        except (ReplyConflict, UnknownBrand, InvalidReply) as exc:
            self._failed(case.id, message.id, str(exc), author, report)
            return
        if any(o.error_code == "in_progress" for o in result.parts):
            return  # another delivery holds a part under its lease: look again next run
        view = s.record_delivery(case, message, result, author, final=True)
        if result.status is DeliveryStatus.DELIVERED:
            report.sent.append(record.reply_id)
            logger.info("reply settled by the reconciler", extra={"case_id": case.id, "x_ids": view.x_ids})
            return
        if view.status != "failed":  # still not confirmed after the retry: it is failed now
            failed = message.model_copy(
                update={
                    "delivery": {
                        "status": "failed",
                        "x_ids": view.x_ids,
                        "error_code": "unconfirmed",
                        "error": view.error or "X did not confirm the reply",
                    }
                }
            )
            s.ctx.cases.put_message(case.id, failed)
        self._failed(case.id, message.id, view.error or "X did not take the reply", author, report)

    def _failed(
        self, case_id: str, reply_id: str, why: str, author: Principal, report: ReconcileReport
    ) -> None:
        s = self.service
        now = s.ctx.clock()
        reason = f"reply {reply_id} by {author.agent_id} is not on X: {why}"[:500]

        def told(current: Case) -> Case | None:
            if any(d.kind == "delivery_failed" and d.value == reply_id for d in current.decisions):
                return None
            return current.with_decision(
                Decision(at=now, kind="delivery_failed", value=reply_id, reason=reason, by="reconciler"),
                updated_at=now,
            )

        case = s.ctx.cases.get(case_id)
        if case is not None:
            s.update_case(case, told)
        s.ctx.deliveries.settle(case_id, reply_id)
        s.ctx.metrics.add_metric(MetricName.DELIVERIES_FAILED_UNATTENDED, "Count", 1)
        report.failed.append(reply_id)
