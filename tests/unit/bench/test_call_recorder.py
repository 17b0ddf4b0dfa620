"""The sandboxes' call recorder: what it writes down for bench-cost, from real botocore calls (moto)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from carebird_ops.bench.costing import Usage, add_call_records
from carebird_ops.local.calls import CallRecorder


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    return "cases"


def recorded_table(table: str, tmp_path: Path) -> Any:
    """A table with a status index, whose calls a recorder writes to tmp_path/calls.jsonl."""
    client = boto3.client("dynamodb")
    client.create_table(
        TableName=table,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "status")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_status",
                "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    CallRecorder(str(tmp_path / "calls.jsonl"), "fn").install(client.meta.events)
    return client


@mock_aws
def test_writes_are_recorded_with_the_item_before_and_after(table: str, tmp_path: Path) -> None:
    client = recorded_table(table, tmp_path)
    client.put_item(
        TableName=table, Item={"pk": {"S": "c1"}, "status": {"S": "open"}, "text": {"S": "x" * 2000}}
    )
    client.update_item(
        TableName=table,
        Key={"pk": {"S": "c1"}},
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": "closed"}},
    )
    client.get_item(TableName=table, Key={"pk": {"S": "c1"}})
    records = [json.loads(line) for line in (tmp_path / "calls.jsonl").read_text().splitlines()]
    assert [r["operation"] for r in records] == ["PutItem", "UpdateItem", "GetItem"]
    put, update, get = records
    assert put["writes"][0]["old"] is None and put["writes"][0]["new"]["size"] > 2000
    before, after = update["writes"][0]["old"]["indexes"], update["writes"][0]["new"]["indexes"]
    assert before["by_status"]["key"] != after["by_status"]["key"]  # the status change moved the index key
    assert get["read"]["sizes"] == [update["writes"][0]["new"]["size"]]
    usage = Usage()
    add_call_records(usage, records, {})
    # put: 2 KB item + 2 KB index entry; update: 2 KB item + index delete and put (2 + 2); get: 0.5
    assert (usage.write_units, usage.read_units) == (2 + 2 + 2 + 2 + 2, 0.5)
    # bench-cost --calls: each call with the items it named (ids left out) and its units
    assert [
        (c["operation"], c["items"], c["write_units"], c["read_units"]) for c in usage.dynamodb_calls
    ] == [
        ("PutItem", ["* (2,018 B)"], 4, 0),
        ("UpdateItem", ["* (2,020 B)"], 6, 0),
        ("GetItem", ["*"], 0, 0.5),
    ]


@mock_aws
def test_a_binary_attribute_is_sized_by_its_bytes_and_changes_the_index_entry(
    table: str, tmp_path: Path
) -> None:
    client = recorded_table(table, tmp_path)
    for packed in (b"\x00" * 1500, b"\x01" * 1500, b"\x01" * 1500):
        item = {"pk": {"S": "c1"}, "status": {"S": "open"}, "packed": {"B": packed}}
        client.put_item(TableName=table, Item=item)
    records = [json.loads(line) for line in (tmp_path / "calls.jsonl").read_text().splitlines()]
    first, changed, same = (r["writes"][0] for r in records)
    assert 1500 < first["new"]["size"] < 1600
    assert (
        changed["old"]["indexes"]["by_status"]["digest"] != changed["new"]["indexes"]["by_status"]["digest"]
    )
    assert same["old"]["indexes"]["by_status"]["digest"] == same["new"]["indexes"]["by_status"]["digest"]
    usage = Usage()
    add_call_records(usage, records, {})
    # each put: a 2 KB item; the index entry is written when it changes (first, changed), not when it does not
    assert usage.write_units == 2 + 2 + 2 + 2 + 2


def test_the_recorders_own_reads_in_parallel_threads_are_taken_out_once(tmp_path: Path) -> None:
    """The poll function writes from several threads: two reads of the recorder's own that overlap take
    out the time they overlapped once, or the invocation's billed duration could come out negative."""
    import threading
    import time

    from carebird_ops.local.calls import CallRecorder

    recorder = CallRecorder(str(tmp_path / "calls.jsonl"), "fn")
    both_in = threading.Barrier(2)

    def read() -> None:
        with recorder._own_read():
            both_in.wait()
            time.sleep(0.2)

    threads = [threading.Thread(target=read) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert 0.2 <= recorder.overhead_s < 0.35
