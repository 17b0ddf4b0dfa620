"""What an agent sees of a case's clocks and of each reply's delivery, built from the case and the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from carebird.cases.model import Case, CaseMessage
from carebird.casework.model import ClockView, PartView, ReplyView, SlaClock
from carebird.casework.ports import DeliveryRecords
from carebird.outbound.model import DeliveryResult, DeliveryStatus, PartStatus
from carebird.sla import clocks


def sla_clock(case: Case, now: datetime) -> SlaClock:
    """The first-response clock at `now`, with the case's next-response and resolution clocks."""
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


def reply_view(deliveries: DeliveryRecords, case: Case, message: CaseMessage) -> ReplyView:
    """A reply as the outbox has it part by part, or as the case's snapshot has it once the outbox
    forgot it."""
    base: dict[str, Any] = {
        "id": message.id,
        "case_id": case.id,
        "channel": message.channel,
        "text": message.text,
        "author_id": message.author_id,
        "created_at": message.created_at,
        "in_reply_to_id": message.in_reply_to_id,
    }
    record = deliveries.reply(case.id, message.id)
    if record is None:  # never reached the outbox, or its records expired: the snapshot tells
        snapshot = message.delivery or {"status": "pending"}
        return ReplyView(
            **base,
            status=str(snapshot.get("status", "pending")),
            error_code=snapshot.get("error_code"),
            error=snapshot.get("error"),
            x_ids=list(snapshot.get("x_ids") or []),
        )
    stored = deliveries.parts(case.id, message.id)
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


def delivery_view(message: CaseMessage, result: DeliveryResult) -> ReplyView:
    """A reply as a delivery just left it."""
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
