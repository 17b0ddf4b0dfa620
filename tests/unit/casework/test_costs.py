"""A conversation's X cost, from its thread at X's prices."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from carebird.cases.model import CaseMessage, Channel
from carebird.casework.costs import conversation_cost
from carebird.casework.model import CostLine, PartView, ReplyView
from carebird.spend.prices import XUse

AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def message(mid: str, direction: str, channel: Channel = Channel.PUBLIC, text: str = "hi") -> CaseMessage:
    return CaseMessage(id=mid, direction=direction, channel=channel, author_id="a", text=text, created_at=AT)


def reply(mid: str, channel: Channel, *parts: tuple[str, str], x_ids: int = 0, text: str = "") -> ReplyView:
    return ReplyView(
        id=mid, case_id="c", channel=channel, text=text or " ".join(t for t, _ in parts), author_id="ana",
        created_at=AT, status="sent" if parts or x_ids else "failed", x_ids=[str(i) for i in range(x_ids)],
        parts=[PartView(index=i, text=t, status=s) for i, (t, s) in enumerate(parts, 1)],
    )  # fmt: skip


def test_each_message_read_once_and_each_part_x_took_is_billed() -> None:
    thread = [
        message("1", "in"),
        message("n", "note"),  # notes never reach X
        message("r1", "out"),
        message("2", "in"),
        message("r2", "out"),
    ]
    replies = {
        "r1": reply("r1", Channel.PUBLIC, ("sorry 1/2", "sent"), ("see https://t.co/x 2/2", "sent")),
        "r2": reply("r2", Channel.PUBLIC, ("thanks", "failed")),  # X did not take it: not billed
    }
    lines = conversation_cost(thread, replies, owned_app=False)
    assert lines == [CostLine(XUse.POST_READ, 2), CostLine(XUse.POST, 1), CostLine(XUse.POST_WITH_URL, 1)]
    assert sum(line.usd for line in lines) == Decimal("0.225")  # 2 x 0.005 + 0.015 + 0.200


def test_a_brand_that_owns_the_app_reads_its_mentions_as_owned_reads_and_dms_cost_dm_prices() -> None:
    thread = [message("1", "in"), message("2", "in", Channel.DM), message("r", "out", Channel.DM)]
    replies = {"r": reply("r", Channel.DM, ("we are on it", "sent"))}
    assert conversation_cost(thread, replies, owned_app=True) == [
        CostLine(XUse.OWNED_READ, 1),
        CostLine(XUse.DM_EVENT_READ, 2),  # hers, and the brand's DM read back by the DM feed
        CostLine(XUse.DM_SENT, 1),
    ]


def test_a_reply_the_outbox_no_longer_keeps_counts_by_the_posts_x_gave_it() -> None:
    old = reply("r", Channel.PUBLIC, x_ids=3, text="a long answer with https://t.co/x in it")
    assert conversation_cost([message("r", "out")], {"r": old}, owned_app=False) == [
        CostLine(XUse.POST, 2),
        CostLine(XUse.POST_WITH_URL, 1),
    ]
    unsent = reply("r", Channel.PUBLIC)
    assert conversation_cost([message("r", "out")], {"r": unsent}, owned_app=False) == []
