"""The table's indexes project keys only: a query of one reads the items it found with BatchGetItem
(`carebird.storage.table.whole`), on moto and on DynamoDB Local."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute

from carebird.storage.table import Gsi1, TableItem, bind, padded, whole
from tests.integration.storage.conftest import Engine


class Listed(TableItem):
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    text = UnicodeAttribute()
    by_gsi1 = Gsi1()


def put(engine: Engine, n: int) -> None:
    engine.client.put_item(
        TableName=engine.table_name,
        Item={
            "pk": {"S": f"LISTED#{n}"},
            "sk": {"S": "LISTED"},
            "gsi1pk": {"S": "LISTED"},
            "gsi1sk": {"S": padded(n)},
            "text": {"S": f"item {n}"},
        },
    )


def test_the_index_holds_keys_and_a_query_reads_the_items_in_its_order(engine: Engine) -> None:
    for n in range(130):  # more than one BatchGetItem takes
        put(engine, n)
    raw = engine.client.query(
        TableName=engine.table_name,
        IndexName="gsi1",
        KeyConditionExpression="gsi1pk = :p",
        ExpressionAttributeValues={":p": {"S": "LISTED"}},
        Limit=1,
    )["Items"][0]
    assert set(raw) == {"pk", "sk", "gsi1pk", "gsi1sk"}  # no copy of `text` in the index
    model = bind(Listed, engine.table_name, host=engine.host)
    found = whole(model, model.by_gsi1.query("LISTED", scan_index_forward=False))
    assert [item.text for item in found] == [f"item {n}" for n in reversed(range(130))]


def test_an_item_deleted_after_the_query_is_left_out(engine: Engine) -> None:
    for n in range(3):
        put(engine, n)
    model = bind(Listed, engine.table_name, host=engine.host)
    keys = list(model.by_gsi1.query("LISTED"))
    engine.client.delete_item(
        TableName=engine.table_name, Key={"pk": {"S": "LISTED#1"}, "sk": {"S": "LISTED"}}
    )
    assert [item.text for item in whole(model, keys)] == ["item 0", "item 2"]
    assert whole(model, []) == []
