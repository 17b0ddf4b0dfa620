"""The ingestion store in DynamoDB: cursors, mentions, DMs, repeat claims, gaps and per-feed poll state.

Implements `carebird.ingest.ports.IngestStore`. Keys and access patterns: see `carebird.storage`.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.attributes import (
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from carebird.brands import BrandListing
from carebird.ingest.model import (
    Author,
    Cursor,
    DirectMessage,
    DmSender,
    Feed,
    Gap,
    GapReason,
    GapStatus,
    IngestedDm,
    IngestedMention,
    Mention,
    MentionStatus,
    PollState,
    RateLimit,
    ReferencedPost,
    SkipReason,
)
from carebird.ingest.ports import AlreadyIngested
from carebird.storage.brands import DynamoBrandRepository, brand_pk, plain
from carebird.storage.table import Gsi1, Gsi2, TableItem, bind, is_condition_failure, padded

CLOSED_GAP_RETENTION = timedelta(days=30)
REPEAT_CLAIM_RETENTION = timedelta(days=1)


def mention_pk(brand_id: str, tweet_id: str) -> str:
    return f"MENTION#{brand_id}#{int(tweet_id)}"


def dm_pk(brand_id: str, event_id: str) -> str:
    return f"DM#{brand_id}#{int(event_id)}"


CURSOR_SK = {Feed.MENTIONS: "CURSOR", Feed.DMS: "DMCURSOR"}
POLL_SK = {Feed.MENTIONS: "POLL", Feed.DMS: "POLL#DMS"}  # the brand's lease lives on POLL


class CursorItem(TableItem):
    since_id = UnicodeAttribute(null=True)  # zero-padded, so `<` in a condition compares numerically
    since_created_at = UTCDateTimeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(null=True)


class PollStateItem(TableItem):
    lease_owner = UnicodeAttribute(null=True)
    lease_until = NumberAttribute(null=True)  # epoch seconds
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
    expires_at = NumberAttribute(null=True)


class MentionItem(TableItem):
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    gsi2pk = UnicodeAttribute(null=True)  # present only while pending: the sparse handoff index
    gsi2sk = UnicodeAttribute(null=True)
    by_gsi1 = Gsi1()
    by_gsi2 = Gsi2()
    brand_id = UnicodeAttribute()
    tweet_id = UnicodeAttribute()
    text = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    author = MapAttribute()  # type: ignore[var-annotated]
    conversation_id = UnicodeAttribute(null=True)
    in_reply_to_user_id = UnicodeAttribute(null=True)
    lang = UnicodeAttribute(null=True)
    referenced = ListAttribute(null=True)  # type: ignore[var-annotated]
    entities = MapAttribute(null=True)  # type: ignore[var-annotated]
    public_metrics = MapAttribute(null=True)  # type: ignore[var-annotated]
    status = UnicodeAttribute()
    skip_reason = UnicodeAttribute(null=True)
    unreadable_reason = UnicodeAttribute(null=True)
    ingested_at = UTCDateTimeAttribute()
    handed_off_at = UTCDateTimeAttribute(null=True)


class DmItem(TableItem):
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    gsi2pk = UnicodeAttribute(null=True)  # present only while pending, as for mentions
    gsi2sk = UnicodeAttribute(null=True)
    by_gsi1 = Gsi1()
    by_gsi2 = Gsi2()
    brand_id = UnicodeAttribute()
    event_id = UnicodeAttribute()
    text = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    sender = MapAttribute()  # type: ignore[var-annotated]
    dm_conversation_id = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    skip_reason = UnicodeAttribute(null=True)
    ingested_at = UTCDateTimeAttribute()
    handed_off_at = UTCDateTimeAttribute(null=True)


class RepeatItem(TableItem):
    tweet_id = UnicodeAttribute()
    window_ends_at = NumberAttribute()  # epoch seconds of the claimant's created_at + window
    expires_at = NumberAttribute()


class DynamoIngestStore:
    def __init__(self, table_name: str, *, host: str | None = None, region: str | None = None) -> None:
        self.brands = DynamoBrandRepository(table_name, host=host, region=region)
        self._cursor = bind(CursorItem, table_name, host=host, region=region)
        self._poll = bind(PollStateItem, table_name, host=host, region=region)
        self._gap = bind(GapItem, table_name, host=host, region=region)
        self._mention = bind(MentionItem, table_name, host=host, region=region)
        self._dm = bind(DmItem, table_name, host=host, region=region)
        self._repeat = bind(RepeatItem, table_name, host=host, region=region)

    # ------------------------------------------------------------------ brands
    def list_brands(self) -> BrandListing:
        return self.brands.list_brands()

    # ------------------------------------------------------------------ cursors
    def get_cursor(self, brand_id: str) -> Cursor | None:
        return self._get_cursor(brand_id, Feed.MENTIONS)

    def advance_cursor(self, brand_id: str, cursor: Cursor) -> bool:
        return self._advance_cursor(brand_id, cursor, Feed.MENTIONS)

    def get_dm_cursor(self, brand_id: str) -> Cursor | None:
        return self._get_cursor(brand_id, Feed.DMS)

    def advance_dm_cursor(self, brand_id: str, cursor: Cursor) -> bool:
        return self._advance_cursor(brand_id, cursor, Feed.DMS)

    def _get_cursor(self, brand_id: str, feed: Feed) -> Cursor | None:
        try:
            item = self._cursor.get(brand_pk(brand_id), CURSOR_SK[feed], consistent_read=True)
        except DoesNotExist:
            return None
        if item.since_id is None or item.since_created_at is None:
            return None
        return Cursor(str(int(item.since_id)), item.since_created_at)

    def _advance_cursor(self, brand_id: str, cursor: Cursor, feed: Feed) -> bool:
        new = padded(cursor.since_id)
        item = self._cursor(brand_pk(brand_id), CURSOR_SK[feed])
        try:
            item.update(
                actions=[
                    self._cursor.since_id.set(new),
                    self._cursor.since_created_at.set(cursor.created_at),
                    self._cursor.updated_at.set(_now()),
                ],
                condition=self._cursor.since_id.does_not_exist() | (self._cursor.since_id < new),
            )
        except UpdateError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    # ------------------------------------------------------------------ mentions
    def put_mention(self, mention: IngestedMention) -> None:
        post = mention.mention
        pending = mention.status is MentionStatus.PENDING
        unreadable = mention.status is MentionStatus.UNREADABLE
        # gsi2: pending mentions wait there for hand-off; unreadable ones for a person to look at.
        queue = "HANDOFF" if pending else "UNREADABLE" if unreadable else None
        item = self._mention(
            mention_pk(mention.brand_id, post.id),
            "MENTION",
            gsi1pk=f"MENTIONS#{mention.brand_id}",
            gsi1sk=padded(post.id),
            gsi2pk=f"{queue}#{mention.brand_id}" if queue else None,
            gsi2sk=padded(post.id) if queue else None,
            unreadable_reason=post.unreadable,
            brand_id=mention.brand_id,
            tweet_id=post.id,
            text=post.text,
            created_at=post.created_at,
            author=post.author.model_dump(mode="json"),
            conversation_id=post.conversation_id,
            in_reply_to_user_id=post.in_reply_to_user_id,
            lang=post.lang,
            referenced=[ref.model_dump(mode="json") for ref in post.referenced],
            entities=post.entities,
            public_metrics=post.public_metrics,
            status=mention.status.value,
            skip_reason=mention.skip_reason.value if mention.skip_reason else None,
            ingested_at=mention.ingested_at,
            handed_off_at=mention.handed_off_at,
        )
        try:
            item.save(condition=self._mention.pk.does_not_exist())
        except PutError as exc:
            if is_condition_failure(exc):
                raise AlreadyIngested(f"mention {post.id} of brand {mention.brand_id}") from None
            raise

    def get_mention(self, brand_id: str, tweet_id: str) -> IngestedMention | None:
        try:
            return _to_mention(
                self._mention.get(mention_pk(brand_id, tweet_id), "MENTION", consistent_read=True)
            )
        except DoesNotExist:
            return None

    def list_unreadable(self, brand_id: str, limit: int = 50) -> list[IngestedMention]:
        """The posts of the brand X sent in a shape the adapter could not read, newest first: stored raw
        (the mention's text) with the reason, for a supervisor to look at (`carebird mentions
        --unreadable`)."""
        results = self._mention.query(
            f"UNREADABLE#{brand_id}", index_name="gsi2", scan_index_forward=False, limit=limit
        )
        return [_to_mention(item) for item in results]

    def list_mentions(self, brand_id: str, limit: int = 50) -> list[IngestedMention]:
        """The brand's stored mentions, newest first."""
        results = self._mention.query(
            f"MENTIONS#{brand_id}", index_name="gsi1", scan_index_forward=False, limit=limit
        )
        return [_to_mention(item) for item in results]

    def mark_handed_off(self, brand_id: str, tweet_id: str, at: datetime) -> None:
        item = self._mention(mention_pk(brand_id, tweet_id), "MENTION")
        try:
            item.update(
                actions=[
                    self._mention.status.set(MentionStatus.HANDED_OFF.value),
                    self._mention.handed_off_at.set(at),
                    self._mention.gsi2pk.remove(),
                    self._mention.gsi2sk.remove(),
                ],
                condition=self._mention.status == MentionStatus.PENDING.value,
            )
        except UpdateError as exc:
            if not is_condition_failure(exc):
                raise
            # Already marked by an earlier attempt: keep its first handed_off_at.

    def pending_handoffs(self, brand_id: str, limit: int) -> list[IngestedMention]:
        results = self._mention.query(f"HANDOFF#{brand_id}", index_name="gsi2", limit=limit)
        # The index is eventually consistent; a just-marked mention may still show up, and starting
        # its triage again is a no-op, so only skip what the item itself says is done.
        return [m for m in map(_to_mention, results) if m.status is MentionStatus.PENDING]

    # ------------------------------------------------------------------ DMs
    def put_dm(self, dm: IngestedDm) -> None:
        event = dm.dm
        pending = dm.status is MentionStatus.PENDING
        item = self._dm(
            dm_pk(dm.brand_id, event.id),
            "DM",
            gsi1pk=f"DMS#{dm.brand_id}",
            gsi1sk=padded(event.id),
            gsi2pk=f"DMHANDOFF#{dm.brand_id}" if pending else None,
            gsi2sk=padded(event.id) if pending else None,
            brand_id=dm.brand_id,
            event_id=event.id,
            text=event.text,
            created_at=event.created_at,
            sender=event.sender.model_dump(mode="json"),
            dm_conversation_id=event.dm_conversation_id,
            status=dm.status.value,
            skip_reason=dm.skip_reason.value if dm.skip_reason else None,
            ingested_at=dm.ingested_at,
            handed_off_at=dm.handed_off_at,
        )
        try:
            item.save(condition=self._dm.pk.does_not_exist())
        except PutError as exc:
            if is_condition_failure(exc):
                raise AlreadyIngested(f"DM {event.id} of brand {dm.brand_id}") from None
            raise

    def get_dm(self, brand_id: str, event_id: str) -> IngestedDm | None:
        try:
            return _to_dm(self._dm.get(dm_pk(brand_id, event_id), "DM", consistent_read=True))
        except DoesNotExist:
            return None

    def list_dms(self, brand_id: str, limit: int = 50) -> list[IngestedDm]:
        """The brand's stored DMs, newest first."""
        results = self._dm.query(f"DMS#{brand_id}", index_name="gsi1", scan_index_forward=False, limit=limit)
        return [_to_dm(item) for item in results]

    def mark_dm_handed_off(self, brand_id: str, event_id: str, at: datetime) -> None:
        item = self._dm(dm_pk(brand_id, event_id), "DM")
        try:
            item.update(
                actions=[
                    self._dm.status.set(MentionStatus.HANDED_OFF.value),
                    self._dm.handed_off_at.set(at),
                    self._dm.gsi2pk.remove(),
                    self._dm.gsi2sk.remove(),
                ],
                condition=self._dm.status == MentionStatus.PENDING.value,
            )
        except UpdateError as exc:
            if not is_condition_failure(exc):
                raise

    def pending_dm_handoffs(self, brand_id: str, limit: int) -> list[IngestedDm]:
        results = self._dm.query(f"DMHANDOFF#{brand_id}", index_name="gsi2", limit=limit)
        return [d for d in map(_to_dm, results) if d.status is MentionStatus.PENDING]

    # ------------------------------------------------------------------ repeat claims
    def claim_text(
        self,
        brand_id: str,
        author_id: str,
        fingerprint: str,
        tweet_id: str,
        created_at: datetime,
        window: timedelta,
    ) -> bool:
        created = int(created_at.timestamp())
        ends = created + math.ceil(window.total_seconds())
        item = self._repeat(
            f"REPEAT#{brand_id}#{author_id}#{fingerprint}",
            "REPEAT",
            tweet_id=tweet_id,
            window_ends_at=ends,
            expires_at=ends + int(REPEAT_CLAIM_RETENTION.total_seconds()),
        )
        condition = (
            self._repeat.pk.does_not_exist()
            | (self._repeat.window_ends_at <= created)
            | (self._repeat.tweet_id == tweet_id)
        )
        try:
            item.save(condition=condition)
        except PutError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    # ------------------------------------------------------------------ poll state and lease
    def get_poll_state(self, brand_id: str, feed: Feed = Feed.MENTIONS) -> PollState:
        try:
            item = self._poll.get(brand_pk(brand_id), POLL_SK[feed], consistent_read=True)
        except DoesNotExist:
            return PollState()
        rate = None
        if item.rate_limit is not None and item.rate_remaining is not None and item.rate_reset_at is not None:
            rate = RateLimit(int(item.rate_limit), int(item.rate_remaining), item.rate_reset_at)
        return PollState(
            blocked_until=item.blocked_until,
            next_poll_at=item.next_poll_at,
            interval_seconds=float(item.interval_seconds) if item.interval_seconds is not None else None,
            rate=rate,
            last_polled_at=item.last_polled_at,
            last_success_at=item.last_success_at,
            consecutive_errors=int(item.consecutive_errors or 0),
            last_error=item.last_error,
            found=int(item.found or 0),
        )

    def save_poll_state(self, brand_id: str, state: PollState, feed: Feed = Feed.MENTIONS) -> None:
        p = self._poll
        values: list[tuple[Any, Any]] = [
            (p.blocked_until, state.blocked_until),
            (p.next_poll_at, state.next_poll_at),
            (p.interval_seconds, state.interval_seconds),
            (p.rate_limit, state.rate.limit if state.rate else None),
            (p.rate_remaining, state.rate.remaining if state.rate else None),
            (p.rate_reset_at, state.rate.reset_at if state.rate else None),
            (p.last_polled_at, state.last_polled_at),
            (p.last_success_at, state.last_success_at),
            (p.consecutive_errors, state.consecutive_errors),
            (p.last_error, state.last_error),
            (p.found, state.found),
            (p.updated_at, _now()),
        ]
        # Only the state's own attributes: the lease on the same item belongs to acquire/release.
        actions = [attr.set(value) if value is not None else attr.remove() for attr, value in values]
        p(brand_pk(brand_id), POLL_SK[feed]).update(actions=actions)

    def acquire_lease(self, brand_id: str, owner: str, until: datetime, now: datetime) -> bool:
        p = self._poll
        try:
            p(brand_pk(brand_id), POLL_SK[Feed.MENTIONS]).update(
                actions=[p.lease_owner.set(owner), p.lease_until.set(math.ceil(until.timestamp()))],
                condition=p.lease_until.does_not_exist()
                | (p.lease_until < int(now.timestamp()))
                | (p.lease_owner == owner),
            )
        except UpdateError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def release_lease(self, brand_id: str, owner: str) -> None:
        p = self._poll
        try:
            p(brand_pk(brand_id), POLL_SK[Feed.MENTIONS]).update(
                actions=[p.lease_owner.remove(), p.lease_until.remove()], condition=p.lease_owner == owner
            )
        except UpdateError as exc:
            if not is_condition_failure(exc):
                raise
            # Someone else holds it now (ours expired): theirs to release.

    # ------------------------------------------------------------------ gaps
    def record_gap(self, gap: Gap) -> None:
        try:
            self._gap_item(gap).save(condition=self._gap.pk.does_not_exist())
            return
        except PutError as exc:
            if not is_condition_failure(exc):
                raise
        g = self._gap
        try:
            g(brand_pk(gap.brand_id), _gap_sk(gap)).update(
                actions=[
                    g.to_id.set(gap.to_id),
                    g.to_key.set(padded(gap.to_id)),
                    g.to_time.set(gap.to_time),
                    g.status.set(GapStatus.OPEN.value),
                    g.closed_at.remove(),
                    g.expires_at.remove(),
                ],
                condition=g.to_key < padded(gap.to_id),
            )
        except UpdateError as exc:
            if not is_condition_failure(exc):
                raise
            # The recorded gap already reaches at least as far.

    def open_gaps(self, brand_id: str) -> list[Gap]:
        g = self._gap
        results = g.query(
            brand_pk(brand_id),
            g.sk.startswith("GAP#"),
            filter_condition=g.status == GapStatus.OPEN.value,
            consistent_read=True,
        )
        return [_to_gap(item) for item in results]

    def gaps(self, brand_id: str) -> list[Gap]:
        g = self._gap
        return [
            _to_gap(item)
            for item in g.query(brand_pk(brand_id), g.sk.startswith("GAP#"), consistent_read=True)
        ]

    def save_gap(self, gap: Gap) -> None:
        self._gap_item(gap).save()

    def _gap_item(self, gap: Gap) -> GapItem:
        expires = None
        if gap.status is GapStatus.CLOSED and gap.closed_at is not None:
            expires = int((gap.closed_at + CLOSED_GAP_RETENTION).timestamp())
        return self._gap(
            brand_pk(gap.brand_id),
            _gap_sk(gap),
            brand_id=gap.brand_id,
            from_id=gap.from_id,
            to_id=gap.to_id,
            to_key=padded(gap.to_id),
            from_time=gap.from_time,
            to_time=gap.to_time,
            reason=gap.reason.value,
            status=gap.status.value,
            attempts=gap.attempts,
            recovered=gap.recovered,
            detected_at=gap.detected_at,
            last_attempt_at=gap.last_attempt_at,
            closed_at=gap.closed_at,
            expires_at=expires,
        )


def _gap_sk(gap: Gap) -> str:
    return f"GAP#{padded(gap.from_id)}"


def _now() -> datetime:
    return datetime.now(UTC)


def _to_mention(item: MentionItem) -> IngestedMention:
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


def _to_dm(item: DmItem) -> IngestedDm:
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


def _to_gap(item: GapItem) -> Gap:
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
    )
