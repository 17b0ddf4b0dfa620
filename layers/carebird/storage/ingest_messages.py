"""A brand's stored mentions and DMs: each feed's messages in one partition of the brand, sorted by id.

`MENTIONS#<b>` / `MENTION#<tid20>` (a DM: `DMS#<b>` / `DM#<eid20>`), so "the brand's messages, newest
first" is a Query of the table and a message is one write unit (its pending hand-off one more, in gsi2),
with no index entry of its own. The release before kept each message in a partition of its own
(`MENTION#<b>#<tid>` / `MENTION`), listed by gsi1 (`MENTIONS#<b>` / `<tid20>`): those items stay where they
are and read as before. Only a message no newer than the newest of them may be one of them, so storing such
a message first looks for it there (one read), and it is stored once either way.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from carebird.ingest.model import Feed, IngestedMention, IngestedMessage, MentionStatus
from carebird.ingest.ports import AlreadyIngested
from carebird.storage.ingest_items import (
    FEED_KEYS,
    UNREADABLE,
    DmItem,
    MentionItem,
    MessageItem,
    message_attributes,
    to_mention,
    to_record,
)
from carebird.storage.table import bind, is_condition_failure, padded, whole


def message_key(brand_id: str, feed: Feed, message_id: str) -> tuple[str, str]:
    keys = FEED_KEYS[feed]
    return f"{keys.listing}#{brand_id}", f"{keys.entity}#{padded(message_id)}"


def old_message_key(brand_id: str, feed: Feed, message_id: str) -> tuple[str, str]:
    """Where the release before stored the message (and listed it in gsi1)."""
    entity = FEED_KEYS[feed].entity
    return f"{entity}#{brand_id}#{int(message_id)}", entity


class DynamoMessages:
    def __init__(self, table_name: str, *, host: str | None = None, region: str | None = None) -> None:
        self._items: dict[Feed, type[MessageItem]] = {
            Feed.MENTIONS: bind(MentionItem, table_name, host=host, region=region),
            Feed.DMS: bind(DmItem, table_name, host=host, region=region),
        }
        # The newest message of each brand's feed the release before stored (None: none), read once a
        # process: no message is stored the old way after the upgrade.
        self._old_newest: dict[tuple[str, Feed], int | None] = {}

    def put(self, record: IngestedMessage) -> None:
        feed, keys, message_id = record.feed, FEED_KEYS[record.feed], record.message_id
        found = f"{keys.entity} {message_id} of brand {record.brand_id}"
        if self._old(record.brand_id, feed, message_id) is not None:
            raise AlreadyIngested(found)
        # gsi2: pending messages wait there for hand-off; unreadable posts for a person to look at.
        pending = record.status is MentionStatus.PENDING
        queue = keys.handoff if pending else UNREADABLE if record.status is MentionStatus.UNREADABLE else None
        item = self._items[feed](
            *message_key(record.brand_id, feed, message_id),
            gsi2pk=f"{queue}#{record.brand_id}" if queue else None,
            gsi2sk=padded(message_id) if queue else None,
            brand_id=record.brand_id,
            text=record.message.text,
            created_at=record.message.created_at,
            status=record.status.value,
            skip_reason=record.skip_reason.value if record.skip_reason else None,
            ingested_at=record.ingested_at,
            handed_off_at=record.handed_off_at,
            **message_attributes(record),
        )
        try:
            item.save(condition=self._items[feed].pk.does_not_exist())
        except PutError as exc:
            if is_condition_failure(exc):
                raise AlreadyIngested(found) from None
            raise

    def get(self, brand_id: str, feed: Feed, message_id: str) -> IngestedMessage | None:
        item: MessageItem | None
        try:
            item = self._items[feed].get(*message_key(brand_id, feed, message_id), consistent_read=True)
        except DoesNotExist:
            item = self._old(brand_id, feed, message_id)
        return to_record(item) if item is not None else None

    def listed(self, brand_id: str, feed: Feed, limit: int) -> Sequence[IngestedMessage]:
        """The brand's stored messages of the feed, newest first: its partition, and the newest of those
        the release before stored (gsi1) while any may be among them."""
        model, keys = self._items[feed], FEED_KEYS[feed]
        partition = f"{keys.listing}#{brand_id}"
        items = list(
            model.query(
                partition, model.sk.startswith(f"{keys.entity}#"), scan_index_forward=False, limit=limit
            )
        )
        if self._old_newest_id(brand_id, feed) is not None:
            items += whole(
                model, model.query(partition, index_name="gsi1", scan_index_forward=False, limit=limit)
            )
        records = {r.message_id: r for r in map(to_record, items)}
        return sorted(records.values(), key=lambda r: r.number, reverse=True)[:limit]

    def unreadable(self, brand_id: str, limit: int) -> list[IngestedMention]:
        mention = self._items[Feed.MENTIONS]
        results = mention.query(
            f"{UNREADABLE}#{brand_id}", index_name="gsi2", scan_index_forward=False, limit=limit
        )
        return [to_mention(item) for item in whole(mention, results) if isinstance(item, MentionItem)]

    def mark_handed_off(self, brand_id: str, feed: Feed, message_id: str, at: datetime) -> None:
        model = self._items[feed]
        for key in self._keys(brand_id, feed, message_id):
            try:
                model(*key).update(
                    actions=[
                        model.status.set(MentionStatus.HANDED_OFF.value),
                        model.handed_off_at.set(at),
                        model.gsi2pk.remove(),
                        model.gsi2sk.remove(),
                    ],
                    condition=model.status == MentionStatus.PENDING.value,
                )
                return
            except UpdateError as exc:
                if not is_condition_failure(exc):
                    raise
                # Not there, or already marked by an earlier attempt: keep its first handed_off_at.

    def pending(self, brand_id: str, feed: Feed, limit: int) -> list[IngestedMessage]:
        model = self._items[feed]
        results = model.query(f"{FEED_KEYS[feed].handoff}#{brand_id}", index_name="gsi2", limit=limit)
        # The index is eventually consistent; a just-marked message may still show up, and starting
        # its triage again is a no-op, so only skip what the item itself says is done.
        return [r for r in map(to_record, whole(model, results)) if r.status is MentionStatus.PENDING]

    # ------------------------------------------------------------------ the release before's items
    def _keys(self, brand_id: str, feed: Feed, message_id: str) -> Iterator[tuple[str, str]]:
        yield message_key(brand_id, feed, message_id)
        if self._may_be_old(brand_id, feed, message_id):
            yield old_message_key(brand_id, feed, message_id)

    def _old(self, brand_id: str, feed: Feed, message_id: str) -> MessageItem | None:
        if not self._may_be_old(brand_id, feed, message_id):
            return None
        try:
            return self._items[feed].get(*old_message_key(brand_id, feed, message_id), consistent_read=True)
        except DoesNotExist:
            return None

    def _may_be_old(self, brand_id: str, feed: Feed, message_id: str) -> bool:
        newest = self._old_newest_id(brand_id, feed)
        return newest is not None and int(message_id) <= newest

    def _old_newest_id(self, brand_id: str, feed: Feed) -> int | None:
        key = (brand_id, feed)
        if key not in self._old_newest:
            model = self._items[feed]
            found = model.query(
                f"{FEED_KEYS[feed].listing}#{brand_id}", index_name="gsi1", scan_index_forward=False, limit=1
            )
            self._old_newest[key] = next((int(str(item.gsi1sk)) for item in found), None)
        return self._old_newest[key]
