"""Where the ingestion store keeps mentions and DMs (one partition per brand and feed, no index entry of
their own) and how the items the release before wrote (a partition each, listed by gsi1) read on after
an upgrade: listed, handed off, and never stored a second time. On moto and DynamoDB Local."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from carebird.ingest.model import Feed, IngestedMessage, MentionStatus
from carebird.ingest.ports import AlreadyIngested
from carebird.storage.ingest import DynamoIngestStore
from carebird.storage.ingest_items import MentionItem, message_attributes
from carebird.storage.table import bind, padded
from tests.integration.storage.conftest import DYNAMO_ENGINES, Engine, open_engine
from tests.integration.storage.test_ingest_store import BRAND, T, dm, ingested, mention


@dataclass
class Table:
    engine: Engine

    def stored_keys(self) -> list[tuple[str, str]]:
        items = self.engine.client.scan(TableName=self.engine.table_name)["Items"]
        return sorted((i["pk"]["S"], i["sk"]["S"]) for i in items)

    def store(self) -> DynamoIngestStore:
        """A store as a new process makes it (what it knows of the table is read on first use)."""
        return DynamoIngestStore(self.engine.table_name, host=self.engine.host)

    def put_as_before(self, record: IngestedMessage) -> None:
        """A mention stored as the release before stored it: its own partition, listed by gsi1."""
        model = bind(MentionItem, self.engine.table_name, host=self.engine.host)
        pending = record.status is MentionStatus.PENDING
        model(
            f"MENTION#{record.brand_id}#{int(record.message_id)}",
            "MENTION",
            gsi1pk=f"MENTIONS#{record.brand_id}",
            gsi1sk=padded(record.message_id),
            gsi2pk=f"HANDOFF#{record.brand_id}" if pending else None,
            gsi2sk=padded(record.message_id) if pending else None,
            brand_id=record.brand_id,
            text=record.message.text,
            created_at=record.message.created_at,
            status=record.status.value,
            ingested_at=record.ingested_at,
            **message_attributes(record),
        ).save()


@pytest.fixture(params=DYNAMO_ENGINES)
def table(request: pytest.FixtureRequest, aws_env: None) -> Iterator[Table]:
    with open_engine(request.param, request) as engine:
        yield Table(engine)


def index_entries(table: Table, name: str) -> list[Any]:
    found = table.engine.client.scan(TableName=table.engine.table_name, IndexName=name)["Items"]
    return [item["pk"]["S"] for item in found]


def test_a_feeds_messages_share_the_brands_partition_and_no_index_entry_but_a_pending_hand_off(
    table: Table,
) -> None:
    store = table.store()
    store.put_message(ingested(mention("1000")))
    store.put_message(ingested(mention("20"), MentionStatus.SKIPPED))
    store.put_message(dm("300"))
    assert table.stored_keys() == [
        (f"DMS#{BRAND}", f"DM#{padded('300')}"),
        (f"MENTIONS#{BRAND}", f"MENTION#{padded('20')}"),
        (f"MENTIONS#{BRAND}", f"MENTION#{padded('1000')}"),
    ]
    assert index_entries(table, "gsi1") == []
    assert sorted(index_entries(table, "gsi2")) == [f"DMS#{BRAND}", f"MENTIONS#{BRAND}"]  # the pending two
    store.mark_handed_off(BRAND, Feed.MENTIONS, "1000", T)
    assert index_entries(table, "gsi2") == [f"DMS#{BRAND}"]


def test_mentions_stored_before_the_upgrade_are_listed_handed_off_and_never_stored_again(
    table: Table,
) -> None:
    table.put_as_before(ingested(mention("100")))
    table.put_as_before(ingested(mention("300"), MentionStatus.SKIPPED))
    store = table.store()
    store.put_message(ingested(mention("200")))  # a gap filled after the upgrade, older than the newest
    store.put_message(ingested(mention("400")))
    with pytest.raises(AlreadyIngested):
        store.put_message(ingested(mention("100")))  # read again from X: stored already, the old way
    with pytest.raises(AlreadyIngested):
        store.put_message(ingested(mention("300")))

    assert [m.mention.id for m in store.list_messages(BRAND, Feed.MENTIONS, limit=3)] == ["400", "300", "200"]
    assert [m.mention.id for m in store.list_messages(BRAND, Feed.MENTIONS)] == ["400", "300", "200", "100"]
    assert [m.mention.id for m in store.pending_handoffs(BRAND, Feed.MENTIONS, 10)] == ["100", "200", "400"]

    for tid in ("100", "200"):
        store.mark_handed_off(BRAND, Feed.MENTIONS, tid, T + timedelta(seconds=1))
        store.mark_handed_off(BRAND, Feed.MENTIONS, tid, T + timedelta(seconds=9))  # a retry changes nothing
    assert [m.mention.id for m in store.pending_handoffs(BRAND, Feed.MENTIONS, 10)] == ["400"]
    old = store.get_message(BRAND, Feed.MENTIONS, "100")
    assert old is not None and old.status is MentionStatus.HANDED_OFF
    assert old.handed_off_at == T + timedelta(seconds=1)
    assert (f"MENTION#{BRAND}#100", "MENTION") in table.stored_keys()  # handed off where it was
    assert len(table.stored_keys()) == 4  # each mention once
