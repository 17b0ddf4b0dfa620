"""A reply as X will see it, before it is sent: the composer's counter, thread preview and warnings.

The parts come from the splitter delivery uses (carebird.outbound.text), so what the agent sees is what
will be posted; the prices from carebird.outbound.pricing. Nothing here calls X: the refusals it warns
about are the ones carebird can tell from what it already knows.

- reply_not_allowed: X lets an app reply only under a post whose author mentioned or quoted the brand
  (or under the brand's own post). The post replied under must @-mention the brand, or answer one of the
  brand's posts in the case, unless a reply under it already went through; X refusing an earlier reply
  under it settles the question the other way. A case without a public post of the customer has nothing
  to reply under at all.
- dm_closed: X refused the case's last direct message as not accepted (dm_not_allowed), and the customer
  has not written a direct message since.
"""

from __future__ import annotations

from dataclasses import dataclass

from carebird.cases.model import CaseMessage, Channel
from carebird.casework.model import PreviewPart, PreviewWarning, ReplyPreview
from carebird.outbound.pricing import POST_USD, POST_WITH_URL_USD, link_cost_ratio, reply_cost
from carebird.outbound.text import (
    DM_MAX_LENGTH,
    MAX_WEIGHTED_LENGTH,
    EmptyReply,
    ReplyTooLong,
    entities,
    has_link,
    normalize,
    split_dm,
    split_thread,
    weighted_length,
)

REPLY_NOT_ALLOWED = "reply_not_allowed"
DM_NOT_ALLOWED = "dm_not_allowed"  # delivery's code for X refusing a direct message


@dataclass(frozen=True)
class PreviewContext:
    brand_handle: str
    customer_handle: str
    messages: list[CaseMessage]  # the case's thread, oldest first
    in_reply_to_id: str | None = None  # public: the post asked for (default: the customer's latest)


def preview_reply(text: str, channel: Channel, context: PreviewContext) -> ReplyPreview:
    public = channel is Channel.PUBLIC
    warnings: list[PreviewWarning] = []
    parts: list[str] = []
    try:
        parts = split_thread(text) if public else split_dm(text)
    except EmptyReply as exc:
        warnings.append(PreviewWarning(code="empty", message=str(exc)))
    except ReplyTooLong as exc:
        warnings.append(PreviewWarning(code="too_long", message=str(exc)))
    links = [has_link(part) for part in parts]
    if public and any(links):
        linked = sum(links)
        warnings.append(
            PreviewWarning(
                code="link_cost",
                message=(
                    f"X bills a post with a link ${POST_WITH_URL_USD:.3f}, about {link_cost_ratio()} times a "
                    f"plain post (${POST_USD:.3f}); {linked} of the {len(parts)} post(s) contain one."
                ),
            )
        )
    refusal = _reply_refusal(context) if public else _dm_refusal(context)
    if refusal is not None:
        warnings.append(refusal)
    whole = normalize(text).strip()

    def weigh(value: str) -> int:
        return weighted_length(value) if public else len(value)

    return ReplyPreview(
        text=text,
        parts=[PreviewPart(text=part, weighted_length=weigh(part)) for part in parts],
        weighted_length=weigh(whole),
        max_weighted_length=MAX_WEIGHTED_LENGTH if public else DM_MAX_LENGTH,
        contains_link=any(links),
        estimated_cost_usd=float(reply_cost(channel.value, links)),
        warnings=warnings,
        sendable=bool(parts) and refusal is None,
    )


def mentions(text: str, handle: str) -> bool:
    wanted = handle.removeprefix("@").casefold()
    normal = normalize(text)
    return any(
        span.kind == "mention" and normal[span.start + 1 : span.end].casefold() == wanted
        for span in entities(normal)
    )


def _reply_refusal(context: PreviewContext) -> PreviewWarning | None:
    posts = [m for m in context.messages if m.direction == "in" and m.channel is Channel.PUBLIC]
    if not posts:
        return PreviewWarning(
            code=REPLY_NOT_ALLOWED,
            message="The case has no public post of the customer to reply under: reply by direct message.",
        )
    target = next((m for m in posts if m.id == context.in_reply_to_id), posts[-1])
    brand, customer = f"@{context.brand_handle}", f"@{context.customer_handle or 'the customer'}"
    under = [
        m
        for m in context.messages
        if m.direction == "out" and m.channel is Channel.PUBLIC and m.in_reply_to_id == target.id
    ]
    outcomes = [(m.delivery or {}).get("status") for m in under]
    codes = [(m.delivery or {}).get("error_code") for m in under]
    if "sent" in outcomes:
        return None
    if REPLY_NOT_ALLOWED in codes:
        return PreviewWarning(
            code=REPLY_NOT_ALLOWED,
            message=(
                f"X already refused a reply under this post: {customer} has not mentioned or quoted {brand} "
                "there. Reply by direct message, or wait for them to mention the brand."
            ),
        )
    brand_posts = {
        x_id
        for m in context.messages
        if m.direction == "out"
        for x_id in (m.delivery or {}).get("x_ids") or []
    }
    if mentions(target.text, context.brand_handle) or target.in_reply_to_id in brand_posts:
        return None
    return PreviewWarning(
        code=REPLY_NOT_ALLOWED,
        message=(
            f"X lets {brand} reply only under a post that mentions or quotes it, and {customer}'s post "
            "does not appear to: X will likely refuse the reply. Reply by direct message instead."
        ),
    )


def _dm_refusal(context: PreviewContext) -> PreviewWarning | None:
    closed = False
    for message in context.messages:
        if message.channel is not Channel.DM:
            continue
        if message.direction == "in":
            closed = False  # they wrote to the brand: the conversation is open
        elif message.direction == "out" and message.delivery:
            if message.delivery.get("error_code") == DM_NOT_ALLOWED:
                closed = True
            elif message.delivery.get("status") == "sent":
                closed = False
    if not closed:
        return None
    customer = f"@{context.customer_handle or 'the customer'}"
    return PreviewWarning(
        code="dm_closed",
        message=(
            f"{customer} does not accept direct messages from @{context.brand_handle}: X refused the last "
            "one. Reply publicly instead."
        ),
    )
