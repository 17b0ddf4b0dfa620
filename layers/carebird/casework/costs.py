"""What a conversation cost on X, from its thread at X's prices (`carebird.spend.prices`).

Each of the customer's messages was read once (a post, or an owned read when the brand account owns the
developer app; a DM event), and each part of the brand's replies that X took was posted (a post, a post
with a link at 13 times the price, a DM, which the DM feed then reads back once: X's DM events have no
filter for received ones). Notes and parts X did not take cost nothing. What one
conversation does not own is left out: the customer's profile (read at most once a week and shared by
their conversations), the survey the follow-up sends and reads back, and a repeat read of a new UTC
day. The brand's spend (`carebird.spend`) counts those; this is the conversation's own share, for a
supervisor to see what a case cost and why (a link in a reply is most of it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from carebird.cases.model import CaseMessage, Channel
from carebird.casework.model import CostLine, ReplyView
from carebird.outbound.text import has_link
from carebird.spend.prices import XUse

LEFT_OUT = (
    "the customer's profile (read at most once a week, shared by their conversations) and the survey's DM"
)


def conversation_cost(
    messages: Iterable[CaseMessage], replies: Mapping[str, ReplyView], *, owned_app: bool
) -> list[CostLine]:
    """The conversation's X cost by kind, in the order of `XUse`; kinds it did not use are left out."""
    units: Counter[XUse] = Counter()
    for message in messages:
        if message.direction == "in":
            if message.channel is Channel.DM:
                units[XUse.DM_EVENT_READ] += 1
            else:
                units[XUse.OWNED_READ if owned_app else XUse.POST_READ] += 1
        elif message.direction == "out" and (reply := replies.get(message.id)) is not None:
            units.update(_sent(reply))
    return [CostLine(kind, units[kind]) for kind in XUse if units[kind]]


def _sent(reply: ReplyView) -> list[XUse]:
    """What X billed for a reply: each part it took. A reply whose parts the outbox no longer keeps
    (delivered long ago) counts by the posts X gave it ids for, its link in one of them."""
    dm = reply.channel is Channel.DM
    if reply.parts:
        sent = [p.text for p in reply.parts if p.status == "sent"]
        if dm:
            return [XUse.DM_SENT, XUse.DM_EVENT_READ] * len(sent)
        return [XUse.POST_WITH_URL if has_link(t) else XUse.POST for t in sent]
    if reply.status != "sent":
        return []
    n = max(1, len(reply.x_ids))
    if dm:
        return [XUse.DM_SENT, XUse.DM_EVENT_READ] * n
    linked = 1 if has_link(reply.text) else 0
    return [XUse.POST_WITH_URL] * linked + [XUse.POST] * (n - linked)
