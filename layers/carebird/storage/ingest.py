"""The ingestion store in DynamoDB: cursors, mentions, DMs, repeat claims, gaps, per-feed poll state,
and the mentions a run read and could not write.

Implements `carebird.ingest.ports.IngestStore`. Keys and access patterns: see `carebird.storage`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Literal, overload

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from carebird.brands import BrandListing
from carebird.ingest.model import (
    Cursor,
    Feed,
    Gap,
    GapStatus,
    IngestedDm,
    IngestedMention,
    IngestedMessage,
    LeasedBrand,
    Mention,
    PollState,
)
from carebird.storage.brands import DynamoBrandRepository, brand_pk
from carebird.storage.ingest_items import (
    OLD_CURSOR_SK,
    OLD_DM_POLL_SK,
    POLL_SK,
    CursorItem,
    FeedStateMap,
    GapItem,
    PollStateItem,
    RepeatItem,
    UnwrittenItem,
    state_values,
    to_gap,
    to_poll_state,
)
from carebird.storage.ingest_messages import DynamoMessages
from carebird.storage.table import bind, is_condition_failure, padded

CLOSED_GAP_RETENTION = timedelta(days=30)
UNWRITTEN_SK = "UNWRITTEN#"
UNWRITTEN_CHUNK_BYTES = 300_000
REPEAT_CLAIM_RETENTION = timedelta(days=1)


class DynamoIngestStore:
    def __init__(self, table_name: str, *, host: str | None = None, region: str | None = None) -> None:
        self.brands = DynamoBrandRepository(table_name, host=host, region=region)
        self._cursor = bind(CursorItem, table_name, host=host, region=region)
        self._poll = bind(PollStateItem, table_name, host=host, region=region)
        self._gap = bind(GapItem, table_name, host=host, region=region)
        self._unwritten = bind(UnwrittenItem, table_name, host=host, region=region)
        self._repeat = bind(RepeatItem, table_name, host=host, region=region)
        self._messages = DynamoMessages(table_name, host=host, region=region)

    # ------------------------------------------------------------------ brands
    def list_brands(self) -> BrandListing:
        return self.brands.list_brands()

    # ------------------------------------------------------------------ cursors
    def get_cursor(self, brand_id: str, feed: Feed) -> Cursor | None:
        since_id, since_at = _CURSOR_ATTRS[feed]
        try:
            item = self._poll.get(brand_pk(brand_id), POLL_SK, consistent_read=True)
            found = (getattr(item, since_id), getattr(item, since_at))
        except DoesNotExist:
            found = (None, None)
        if found[0] is None:  # not moved since the upgrade: the release before kept it in its own item
            try:
                old = self._cursor.get(brand_pk(brand_id), OLD_CURSOR_SK[feed], consistent_read=True)
                found = (old.since_id, old.since_created_at)
            except DoesNotExist:
                return None
        if found[0] is None or found[1] is None:
            return None
        return Cursor(str(int(found[0])), found[1])

    def advance_cursor(self, brand_id: str, feed: Feed, cursor: Cursor) -> bool:
        try:
            self._poll(brand_pk(brand_id), POLL_SK).update(
                actions=self._cursor_actions({feed: cursor}), condition=self._cursor_condition({feed: cursor})
            )
        except UpdateError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def _cursor_actions(self, cursors: Mapping[Feed, Cursor]) -> list[Action]:
        actions: list[Action] = []
        for feed, cursor in cursors.items():
            since_id, since_at = _CURSOR_ATTRS[feed]
            actions += [
                getattr(self._poll, since_id).set(padded(cursor.since_id)),
                getattr(self._poll, since_at).set(cursor.created_at),
            ]
        return actions

    def _cursor_condition(self, cursors: Mapping[Feed, Cursor]) -> Condition | None:
        """Each cursor only moves forward (padded ids: string order is numeric order)."""
        condition: Condition | None = None
        for feed, cursor in cursors.items():
            attr = getattr(self._poll, _CURSOR_ATTRS[feed][0])
            forward = attr.does_not_exist() | (attr < padded(cursor.since_id))
            condition = forward if condition is None else condition & forward
        return condition

    # ------------------------------------------------------------------ mentions and DMs
    def put_message(self, record: IngestedMessage) -> None:
        self._messages.put(record)

    @overload
    def get_message(
        self, brand_id: str, feed: Literal[Feed.MENTIONS], message_id: str
    ) -> IngestedMention | None: ...
    @overload
    def get_message(self, brand_id: str, feed: Literal[Feed.DMS], message_id: str) -> IngestedDm | None: ...
    def get_message(self, brand_id: str, feed: Feed, message_id: str) -> IngestedMessage | None:
        return self._messages.get(brand_id, feed, message_id)

    @overload
    def list_messages(
        self, brand_id: str, feed: Literal[Feed.MENTIONS], limit: int = 50
    ) -> list[IngestedMention]: ...
    @overload
    def list_messages(self, brand_id: str, feed: Literal[Feed.DMS], limit: int = 50) -> list[IngestedDm]: ...
    def list_messages(self, brand_id: str, feed: Feed, limit: int = 50) -> Sequence[IngestedMessage]:
        """The brand's stored messages of the feed, newest first."""
        return self._messages.listed(brand_id, feed, limit)

    def list_unreadable(self, brand_id: str, limit: int = 50) -> list[IngestedMention]:
        """The posts of the brand X sent in a shape the adapter could not read, newest first: stored raw
        (the mention's text) with the reason, for a supervisor to look at (`carebird mentions
        --unreadable`)."""
        return self._messages.unreadable(brand_id, limit)

    def mark_handed_off(self, brand_id: str, feed: Feed, message_id: str, at: datetime) -> None:
        self._messages.mark_handed_off(brand_id, feed, message_id, at)

    def pending_handoffs(self, brand_id: str, feed: Feed, limit: int) -> list[IngestedMessage]:
        return self._messages.pending(brand_id, feed, limit)

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
    def get_poll_state(self, brand_id: str, feed: Feed) -> PollState:
        try:
            item: PollStateItem | None = self._poll.get(brand_pk(brand_id), POLL_SK, consistent_read=True)
        except DoesNotExist:
            item = None
        if feed is Feed.MENTIONS:
            return to_poll_state(item) if item is not None else PollState()
        if item is not None and item.dms is not None:
            return to_poll_state(item.dms)
        try:  # not saved since the upgrade: the release before kept it in an item of its own
            return to_poll_state(self._poll.get(brand_pk(brand_id), OLD_DM_POLL_SK, consistent_read=True))
        except DoesNotExist:
            return PollState()

    def save_poll_state(self, brand_id: str, feed: Feed, state: PollState) -> None:
        self.save_poll_states(brand_id, {feed: state}, {})

    def save_poll_states(
        self, brand_id: str, states: Mapping[Feed, PollState], cursors: Mapping[Feed, Cursor]
    ) -> None:
        # Only the states' and cursors' attributes: the lease on the same item belongs to acquire/release.
        item = self._poll(brand_pk(brand_id), POLL_SK)
        actions = self._state_actions(states)
        if not cursors:
            item.update(actions=actions)
            return
        try:
            item.update(
                actions=actions + self._cursor_actions(cursors), condition=self._cursor_condition(cursors)
            )
        except UpdateError as exc:
            if not is_condition_failure(exc):
                raise
            # A cursor is already further (a run whose lease ran out was overtaken): the states alone,
            # and each cursor that is still behind.
            item.update(actions=actions)
            for feed, cursor in cursors.items():
                self.advance_cursor(brand_id, feed, cursor)

    def _state_actions(self, states: Mapping[Feed, PollState]) -> list[Action]:
        p = self._poll
        actions: list[Action] = [p.updated_at.set(_now())]
        for feed, state in states.items():
            if feed is Feed.DMS:
                actions.append(p.dms.set(FeedStateMap(**state_values(state))))
                continue
            for name, value in state_values(state).items():
                attr = getattr(p, name)
                actions.append(attr.set(value) if value is not None else attr.remove())
        return actions

    def acquire_lease(self, brand_id: str, owner: str, until: datetime, now: datetime) -> LeasedBrand | None:
        p = self._poll
        item = p(brand_pk(brand_id), POLL_SK)
        try:
            # UpdateItem answers with the whole item (ALL_NEW) at no extra cost: the feeds' states and
            # cursors come with the lease, and the run need not read the item again.
            item.update(
                actions=[p.lease_owner.set(owner), p.lease_until.set(math.ceil(until.timestamp()))],
                condition=p.lease_until.does_not_exist()
                | (p.lease_until < int(now.timestamp()))
                | (p.lease_owner == owner),
            )
        except UpdateError as exc:
            if is_condition_failure(exc):
                return None
            raise
        states = {Feed.MENTIONS: to_poll_state(item)}
        if item.dms is not None:  # else the release before's POLL#DMS item, read when the run needs it
            states[Feed.DMS] = to_poll_state(item.dms)
        cursors: dict[Feed, Cursor | None] = {}
        for feed, (since_id, since_at) in _CURSOR_ATTRS.items():
            found = (getattr(item, since_id), getattr(item, since_at))
            if found[0] is not None:  # else not moved since the upgrade: its old item, read when needed
                cursors[feed] = Cursor(str(int(found[0])), found[1]) if found[1] is not None else None
        return LeasedBrand(states=states, cursors=cursors)

    def release_lease(
        self, brand_id: str, owner: str, states: Mapping[Feed, PollState] | None = None
    ) -> None:
        p = self._poll
        actions = (self._state_actions(states) if states else []) + [
            p.lease_owner.remove(),
            p.lease_until.remove(),
        ]
        try:
            p(brand_pk(brand_id), POLL_SK).update(actions=actions, condition=p.lease_owner == owner)
        except UpdateError as exc:
            if not is_condition_failure(exc):
                raise
            # Someone else holds it now (ours expired): theirs to release. The states are this run's
            # latest all the same, saved as a round's save would have.
            if states:
                self.save_poll_states(brand_id, states, {})

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
                    g.stalled.set(0),  # a stretch not tried yet: its first window is due now
                    g.last_attempt_at.remove(),
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
        return [to_gap(item) for item in results]

    def gaps(self, brand_id: str) -> list[Gap]:
        g = self._gap
        return [
            to_gap(item)
            for item in g.query(brand_pk(brand_id), g.sk.startswith("GAP#"), consistent_read=True)
        ]

    def save_gap(self, gap: Gap) -> None:
        self._gap_item(gap).save()

    # ------------------------------------------------------------------ unwritten mentions
    def keep_unwritten(self, brand_id: str, mentions: Sequence[Mention]) -> None:
        chunks = _chunks(mentions)
        now = _now()
        for index, chunk in enumerate(chunks):
            self._unwritten(
                brand_pk(brand_id),
                f"{UNWRITTEN_SK}{index:04d}",
                body="[" + ",".join(chunk) + "]",
                mentions=len(chunk),
                kept_at=now,
            ).save()
        u = self._unwritten
        for item in u.query(brand_pk(brand_id), u.sk.startswith(UNWRITTEN_SK), consistent_read=True):
            if int(item.sk.removeprefix(UNWRITTEN_SK)) >= len(chunks) and item.mentions:
                # An earlier run kept more: emptied (a put, as the poll function may not delete items).
                item.body, item.mentions, item.kept_at = "[]", 0, now
                item.save()

    def unwritten(self, brand_id: str) -> list[Mention]:
        u = self._unwritten
        items = u.query(brand_pk(brand_id), u.sk.startswith(UNWRITTEN_SK), consistent_read=True)
        return [Mention.model_validate(raw) for item in items for raw in json.loads(item.body)]

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
            stalled=gap.stalled,
            expires_at=expires,
        )


_CURSOR_ATTRS = {
    Feed.MENTIONS: ("since_id", "since_created_at"),
    Feed.DMS: ("dm_since_id", "dm_since_created_at"),
}


def _chunks(mentions: Sequence[Mention]) -> list[list[str]]:
    """The mentions as JSON, in chunks well under DynamoDB's 400 KB an item (a long post is 25,000
    characters, up to 100 KB in UTF-8: a chunk holds at least one)."""
    chunks: list[list[str]] = []
    size = UNWRITTEN_CHUNK_BYTES
    for mention in mentions:
        text = mention.model_dump_json()
        length = len(text.encode()) + 1
        if size + length > UNWRITTEN_CHUNK_BYTES:
            chunks.append([])
            size = 0
        chunks[-1].append(text)
        size += length
    return chunks


def _gap_sk(gap: Gap) -> str:
    return f"GAP#{padded(gap.from_id)}"


def _now() -> datetime:
    return datetime.now(UTC)
