"""The ingestion store's items in the carebird table, and their conversion to and from the domain types.

Keys and access patterns: see `carebird.storage`. The attribute names are the stored format: existing
items must read back the same, so a rename here is a data migration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pynamodb.attributes import (
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from carebird.ingest.model import (
    Author,
    DirectMessage,
    DmSender,
    Feed,
    Gap,
    GapReason,
    GapStatus,
    IngestedDm,
    IngestedMention,
    IngestedMessage,
    Mention,
    MentionStatus,
    PollState,
    RateLimit,
    ReferencedPost,
    SkipReason,
)
from carebird.storage.brands import plain
from carebird.storage.table import Gsi1, Gsi2, TableItem

UNREADABLE = "UNREADABLE"  # gsi2 prefix of the mentions X sent in a shape the adapter cannot read


@dataclass(frozen=True)
class FeedKeys:
    """Where one feed's messages live in the table."""

    entity: str  # the item's sort key, and its partition key's prefix
    listing: str  # the feed's partition of the brand (the release before: its gsi1 listing)
    handoff: str  # gsi2: its pending messages, oldest first


FEED_KEYS = {
    Feed.MENTIONS: FeedKeys("MENTION", "MENTIONS", "HANDOFF"),
    Feed.DMS: FeedKeys("DM", "DMS", "DMHANDOFF"),
}


POLL_SK = "POLL"  # the brand's lease, both feeds' poll states and cursors
# Where the release before kept each feed's cursor, and the DM feed's poll state: read while the POLL item
# has not got them yet.
OLD_CURSOR_SK = {Feed.MENTIONS: "CURSOR", Feed.DMS: "DMCURSOR"}
OLD_DM_POLL_SK = "POLL#DMS"


class CursorItem(TableItem):
    since_id = UnicodeAttribute(null=True)  # zero-padded, so `<` in a condition compares numerically
    since_created_at = UTCDateTimeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(null=True)


class FeedStateAttributes:
    """A feed's poll state as stored, declared once for both places it is kept: the mentions feed's at the
    top of the POLL item (`PollStateItem`, as the release before kept it) and the DM feed's in its `dms`
    map (`FeedStateMap`). PynamoDB reads a container's attributes from its bases too, and binds the map's
    to their path inside it."""

    blocked_until = UTCDateTimeAttribute(null=True)
    next_poll_at = UTCDateTimeAttribute(null=True)
    interval_seconds = NumberAttribute(null=True)
    rate_limit = NumberAttribute(null=True)
    rate_remaining = NumberAttribute(null=True)
    rate_reset_at = UTCDateTimeAttribute(null=True)
    last_polled_at = UTCDateTimeAttribute(null=True)
    last_success_at = UTCDateTimeAttribute(null=True)
    consecutive_errors = NumberAttribute(null=True)
    last_error = UnicodeAttribute(null=True)
    found = NumberAttribute(null=True)


class FeedStateMap(FeedStateAttributes, MapAttribute):
    """The DM feed's poll state inside the POLL item (`dms`): the attributes the mentions feed's has."""


class PollStateItem(TableItem, FeedStateAttributes):
    """The brand's POLL item: its lease, each feed's cursor (`since_id`/`since_created_at` the mentions',
    `dm_since_id`/`dm_since_created_at` the DMs', as the CURSOR items of the release before had them),
    the mentions feed's poll state at the top level (as the release before kept it) and the DM feed's
    in `dms` (the release before: the POLL#DMS item), so that one write saves what a round of polls
    changed."""

    lease_owner = UnicodeAttribute(null=True)
    lease_until = NumberAttribute(null=True)  # epoch seconds
    since_id = UnicodeAttribute(null=True)  # zero-padded, so `<` in a condition compares numerically
    since_created_at = UTCDateTimeAttribute(null=True)
    dm_since_id = UnicodeAttribute(null=True)
    dm_since_created_at = UTCDateTimeAttribute(null=True)
    dms = FeedStateMap(null=True)
    updated_at = UTCDateTimeAttribute(null=True)


class GapItem(TableItem):
    brand_id = UnicodeAttribute()
    from_id = UnicodeAttribute()
    to_id = UnicodeAttribute()
    to_key = UnicodeAttribute()  # padded to_id, for the widening condition
    from_time = UTCDateTimeAttribute()
    to_time = UTCDateTimeAttribute()
    reason = UnicodeAttribute()
    status = UnicodeAttribute()
    attempts = NumberAttribute(default=0)
    recovered = NumberAttribute(default=0)
    detected_at = UTCDateTimeAttribute()
    last_attempt_at = UTCDateTimeAttribute(null=True)
    closed_at = UTCDateTimeAttribute(null=True)
    stalled = NumberAttribute(default=0)
    expires_at = NumberAttribute(null=True)


class UnwrittenItem(TableItem):
    """One chunk of the mentions a run read and could not write (sk UNWRITTEN#<chunk>), as X's JSON."""

    body = UnicodeAttribute()  # a JSON list of Mention objects, oldest first
    mentions = NumberAttribute()
    kept_at = UTCDateTimeAttribute()


class MessageItem(TableItem):
    """What a stored mention and a stored DM have in common (each keeps its own id and author fields)."""

    gsi1pk = UnicodeAttribute(null=True)  # only items of the release before: the brand's listing
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)  # present only while pending (or unreadable): a sparse index
    gsi2sk = UnicodeAttribute(null=True)
    by_gsi1 = Gsi1()
    by_gsi2 = Gsi2()
    brand_id = UnicodeAttribute()
    text = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    status = UnicodeAttribute()
    skip_reason = UnicodeAttribute(null=True)
    ingested_at = UTCDateTimeAttribute()
    handed_off_at = UTCDateTimeAttribute(null=True)


class MentionItem(MessageItem):
    tweet_id = UnicodeAttribute()
    author = MapAttribute()  # type: ignore[var-annotated]
    conversation_id = UnicodeAttribute(null=True)
    in_reply_to_user_id = UnicodeAttribute(null=True)
    lang = UnicodeAttribute(null=True)
    referenced = ListAttribute(null=True)  # type: ignore[var-annotated]
    entities = MapAttribute(null=True)  # type: ignore[var-annotated]
    public_metrics = MapAttribute(null=True)  # type: ignore[var-annotated]
    unreadable_reason = UnicodeAttribute(null=True)


class DmItem(MessageItem):
    event_id = UnicodeAttribute()
    sender = MapAttribute()  # type: ignore[var-annotated]
    dm_conversation_id = UnicodeAttribute(null=True)


class RepeatItem(TableItem):
    tweet_id = UnicodeAttribute()
    window_ends_at = NumberAttribute()  # epoch seconds of the claimant's created_at + window
    expires_at = NumberAttribute()


def message_attributes(record: IngestedMessage) -> dict[str, Any]:
    """The item attributes of one feed's message beyond those every stored message has."""
    if isinstance(record, IngestedMention):
        post = record.mention
        return {
            "tweet_id": post.id,
            "author": post.author.model_dump(mode="json"),
            "conversation_id": post.conversation_id,
            "in_reply_to_user_id": post.in_reply_to_user_id,
            "lang": post.lang,
            "referenced": [ref.model_dump(mode="json") for ref in post.referenced],
            "entities": post.entities,
            "public_metrics": post.public_metrics,
            "unreadable_reason": post.unreadable,
        }
    if isinstance(record, IngestedDm):
        event = record.dm
        return {
            "event_id": event.id,
            "sender": event.sender.model_dump(mode="json"),
            "dm_conversation_id": event.dm_conversation_id,
        }
    raise TypeError(f"no item shape for {type(record).__name__}")


def to_record(item: MessageItem) -> IngestedMessage:
    if isinstance(item, MentionItem):
        return to_mention(item)
    if isinstance(item, DmItem):
        return to_dm(item)
    raise TypeError(f"no record for {type(item).__name__}")


def to_mention(item: MentionItem) -> IngestedMention:
    mention = Mention(
        id=item.tweet_id,
        author=Author.model_validate(plain(item.author)),
        text=item.text,
        created_at=item.created_at,
        conversation_id=item.conversation_id,
        in_reply_to_user_id=item.in_reply_to_user_id,
        referenced=tuple(ReferencedPost.model_validate(plain(r)) for r in item.referenced or ()),
        lang=item.lang,
        entities=plain(item.entities) if item.entities is not None else None,
        public_metrics=plain(item.public_metrics) if item.public_metrics is not None else None,
        unreadable=item.unreadable_reason,
    )
    return IngestedMention(
        brand_id=item.brand_id,
        mention=mention,
        status=MentionStatus(item.status),
        skip_reason=SkipReason(item.skip_reason) if item.skip_reason else None,
        ingested_at=item.ingested_at,
        handed_off_at=item.handed_off_at,
    )


def to_dm(item: DmItem) -> IngestedDm:
    return IngestedDm(
        brand_id=item.brand_id,
        dm=DirectMessage(
            id=item.event_id,
            text=item.text,
            created_at=item.created_at,
            sender=DmSender.model_validate(plain(item.sender)),
            dm_conversation_id=item.dm_conversation_id,
        ),
        status=MentionStatus(item.status),
        skip_reason=SkipReason(item.skip_reason) if item.skip_reason else None,
        ingested_at=item.ingested_at,
        handed_off_at=item.handed_off_at,
    )


def to_gap(item: GapItem) -> Gap:
    return Gap(
        brand_id=item.brand_id,
        from_id=item.from_id,
        to_id=item.to_id,
        from_time=item.from_time,
        to_time=item.to_time,
        reason=GapReason(item.reason),
        detected_at=item.detected_at,
        status=GapStatus(item.status),
        attempts=int(item.attempts),
        recovered=int(item.recovered),
        last_attempt_at=item.last_attempt_at,
        closed_at=item.closed_at,
        stalled=int(item.stalled or 0),
    )


def state_values(state: PollState) -> dict[str, Any]:
    """A feed's poll state as the stored attributes (`PollStateItem`'s, `FeedStateMap`'s)."""
    rate = state.rate
    return {
        "blocked_until": state.blocked_until,
        "next_poll_at": state.next_poll_at,
        "interval_seconds": state.interval_seconds,
        "rate_limit": rate.limit if rate else None,
        "rate_remaining": rate.remaining if rate else None,
        "rate_reset_at": rate.reset_at if rate else None,
        "last_polled_at": state.last_polled_at,
        "last_success_at": state.last_success_at,
        "consecutive_errors": state.consecutive_errors,
        "last_error": state.last_error,
        "found": state.found,
    }


def to_poll_state(stored: PollStateItem | FeedStateMap) -> PollState:
    rate = None
    if (
        stored.rate_limit is not None
        and stored.rate_remaining is not None
        and stored.rate_reset_at is not None
    ):
        rate = RateLimit(int(stored.rate_limit), int(stored.rate_remaining), stored.rate_reset_at)
    return PollState(
        blocked_until=stored.blocked_until,
        next_poll_at=stored.next_poll_at,
        interval_seconds=float(stored.interval_seconds) if stored.interval_seconds is not None else None,
        rate=rate,
        last_polled_at=stored.last_polled_at,
        last_success_at=stored.last_success_at,
        consecutive_errors=int(stored.consecutive_errors or 0),
        last_error=stored.last_error,
        found=int(stored.found or 0),
    )
