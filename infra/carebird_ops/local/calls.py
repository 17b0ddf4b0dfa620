"""What a Lambda sandbox asks of AWS, written down for `make bench-cost`.

Off unless the local stack runs with CAREBIRD_CALL_RECORD=<file> (the bench sets it). Then each sandbox's
worker registers botocore event hooks on every botocore session in the process (boto3's, PynamoDB's,
Powertools'), and appends one JSON line per AWS call and per invocation to that file. The product is not
changed: the hooks only observe, except that DynamoDB requests ask for ReturnConsumedCapacity=INDEXES so
the engine's own figure is kept beside the bench's.

For DynamoDB the bench needs what AWS bills by, which moto does not compute (it reports a constant 1.0
or 0.5 unit per request): the size of every item read, and of every item a write touched before and
after it, with its index keys. So around each write the recorder reads the items it names (a consistent
GetItem through the same engine, not itself recorded), and after each read it keeps the returned items'
sizes. carebird_ops.bench.cost turns that into request units.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

RECORD_ENV = "CAREBIRD_CALL_RECORD"

_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}
_READS = {"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"}


def _bytes(value: Any) -> str:
    """A binary attribute's value (bytes, as boto3 returns it) in a digest."""
    if isinstance(value, bytes | bytearray):
        return value.hex()
    raise TypeError(f"{type(value).__name__} in a DynamoDB item")


def item_size(item: dict[str, Any]) -> int:
    """DynamoDB's item size in bytes: each attribute's name plus its value (the documented rule)."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: dict[str, Any]) -> int:
    (kind, v), *_ = value.items()
    if kind == "S":
        return len(v.encode())
    if kind == "N":
        digits = v.lstrip("-").replace(".", "").lstrip("0") or "0"
        return (len(digits) + 1) // 2 + 1
    if kind == "B":
        return len(v) if isinstance(v, bytes) else len(v) * 3 // 4
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode()) for s in v)
    if kind == "NS":
        return sum(_value_size({"N": n}) for n in v)
    if kind == "BS":
        return sum(_value_size({"B": b}) for b in v)
    if kind == "M":
        return 3 + sum(len(k.encode()) + 1 + _value_size(x) for k, x in v.items())
    if kind == "L":
        return 3 + sum(1 + _value_size(x) for x in v)
    return 0


def _plain(values: dict[str, Any]) -> dict[str, str]:
    """Key or expression values as plain strings (their S or N), for reading a record."""
    return {name: str(next(iter(v.values()))) for name, v in values.items() if "S" in v or "N" in v}


class CallRecorder:
    def __init__(self, path: str, function_name: str) -> None:
        self.path = path
        self.function_name = function_name
        self._lock = threading.Lock()
        self._quiet = threading.local()  # set while the recorder itself reads items
        self._raw: Any = None
        self._schemas: dict[str, dict[str, Any]] = {}
        # Time (and process CPU) during which at least one of the recorder's own reads was in flight, taken
        # out of billed durations: the union of those reads, not their sum, which the poll function's
        # write threads (reading in parallel) would make longer than the invocation itself.
        self.overhead_s = 0.0
        self.overhead_cpu_s = 0.0
        self._in_flight = 0
        self._since = (0.0, 0.0)
        self._overhead_lock = threading.Lock()

    # ------------------------------------------------------------------ output
    def write(self, record: dict[str, Any]) -> None:
        line = json.dumps({"fn": self.function_name, "t": time.time(), **record}) + "\n"
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line.encode())  # one write per line: sandboxes append to the same file
            finally:
                os.close(fd)

    # ------------------------------------------------------------------ hooks
    def install(self, session: Any) -> None:
        session.register("before-parameter-build", self.before)
        session.register("after-call", self.after)

    def _off(self) -> bool:
        return bool(getattr(self._quiet, "on", False))

    @contextmanager
    def _own_read(self) -> Iterator[None]:
        """The recorder's own call: not recorded, and its time not billed to the function."""
        self._quiet.on = True
        with self._overhead_lock:
            if self._in_flight == 0:
                self._since = (time.perf_counter(), time.process_time())
            self._in_flight += 1
        try:
            yield
        finally:
            self._quiet.on = False
            with self._overhead_lock:
                self._in_flight -= 1
                if self._in_flight == 0:
                    self.overhead_s += time.perf_counter() - self._since[0]
                    self.overhead_cpu_s += time.process_time() - self._since[1]

    def before(self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        if self._off() or model.service_model.service_name != "dynamodb":
            return
        operation = model.name
        if operation in _WRITES | _READS:
            params.setdefault("ReturnConsumedCapacity", "INDEXES")
        if operation in _WRITES:
            context["carebird_keys"] = self._keys(operation, params)
            context["carebird_old"] = [self._read(table, key) for table, key in context["carebird_keys"]]
        if operation in ("GetItem", "Query", "Scan"):
            context["carebird_read"] = {
                "table": params.get("TableName"),
                "index": params.get("IndexName"),
                "consistent": bool(params.get("ConsistentRead")),
                # what was read, for the bench's per-call listing: the key, or a query's values
                "key": _plain(params.get("Key") or params.get("ExpressionAttributeValues") or {}),
            }
        if operation == "BatchGetItem":
            context["carebird_read"] = {
                "consistent": any(r.get("ConsistentRead") for r in params.get("RequestItems", {}).values())
            }

    def after(
        self, http_response: Any, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any
    ) -> None:
        if self._off():
            return
        service = model.service_model.service_name
        record: dict[str, Any] = {
            "kind": "call",
            "service": service,
            "operation": model.name,
            "status": getattr(http_response, "status_code", 0),
        }
        if service == "dynamodb":
            record["engine_capacity"] = parsed.get("ConsumedCapacity")
            if "carebird_keys" in context:
                record["writes"] = [
                    {"table": table, "key": _plain(key), "old": old, "new": self._read(table, key)}
                    for (table, key), old in zip(
                        context["carebird_keys"], context["carebird_old"], strict=True
                    )
                ]
            elif "carebird_read" in context:
                record["read"] = {**context["carebird_read"], "sizes": self._returned_sizes(parsed)}
        self.write(record)

    # ------------------------------------------------------------------ DynamoDB items
    def _raw_client(self) -> Any:
        if self._raw is None:
            import boto3

            self._raw = boto3.client("dynamodb")
        return self._raw

    def _schema(self, table: str) -> dict[str, Any]:
        if table not in self._schemas:
            with self._own_read():
                desc = self._raw_client().describe_table(TableName=table)["Table"]
            key = [k["AttributeName"] for k in desc["KeySchema"]]
            indexes = {}
            for g in desc.get("GlobalSecondaryIndexes", []):
                index_key = [k["AttributeName"] for k in g["KeySchema"]]
                projection = g.get("Projection", {})
                projected = None  # every attribute
                if projection.get("ProjectionType") != "ALL":
                    projected = {*key, *index_key, *projection.get("NonKeyAttributes", [])}
                indexes[g["IndexName"]] = {"key": index_key, "projected": projected}
            self._schemas[table] = {"key": key, "indexes": indexes}
        return self._schemas[table]

    def _keys(self, operation: str, params: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        def key_of(table: str, request: dict[str, Any]) -> dict[str, Any]:
            if "Key" in request:
                return dict(request["Key"])
            names = self._schema(table)["key"]
            return {n: request["Item"][n] for n in names}

        if operation in ("PutItem", "UpdateItem", "DeleteItem"):
            return [(params["TableName"], key_of(params["TableName"], params))]
        keys = []
        if operation == "TransactWriteItems":
            for entry in params.get("TransactItems", []):
                for action in ("Put", "Update", "Delete", "ConditionCheck"):
                    if action in entry:
                        table = entry[action]["TableName"]
                        keys.append((table, key_of(table, entry[action])))
        else:  # BatchWriteItem
            for table, requests in params.get("RequestItems", {}).items():
                for request in requests:
                    inner = request.get("PutRequest") or request.get("DeleteRequest") or {}
                    keys.append((table, key_of(table, inner)))
        return keys

    def _read(self, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        """The item's size and index keys as the engine holds it now (None: no such item)."""
        with self._own_read():
            item = self._raw_client().get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
        if item is None:
            return None
        entries = {}
        for name, index in self._schema(table)["indexes"].items():
            if not all(a in item for a in index["key"]):
                continue  # not in this (sparse) index
            wanted = index["projected"]
            projected = {a: v for a, v in item.items() if wanted is None or a in wanted}
            entries[name] = {
                "key": json.dumps([item[a] for a in index["key"]], sort_keys=True),
                "size": item_size(projected),
                "digest": hashlib.sha1(
                    json.dumps(projected, sort_keys=True, default=_bytes).encode()
                ).hexdigest(),
            }
        return {"size": item_size(item), "indexes": entries}

    @staticmethod
    def _returned_sizes(parsed: dict[str, Any]) -> list[int]:
        if "Item" in parsed:
            return [item_size(parsed["Item"])]
        if "Items" in parsed:
            return [item_size(i) for i in parsed["Items"]]
        if "Responses" in parsed and isinstance(parsed["Responses"], dict):
            return [item_size(i) for items in parsed["Responses"].values() for i in items]
        if "Responses" in parsed:  # TransactGetItems
            return [item_size(r["Item"]) for r in parsed["Responses"] if "Item" in r]
        return []


def install_from_environment(function_name: str) -> CallRecorder | None:
    """Hook every botocore session the handler creates, if the stack asked for a call record."""
    path = os.environ.get(RECORD_ENV)
    if not path:
        return None
    import botocore.session

    recorder = CallRecorder(path, function_name)
    original_init = botocore.session.Session.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        recorder.install(self)

    botocore.session.Session.__init__ = init  # type: ignore[method-assign]
    return recorder


def event_source(event: Any) -> str:
    """Which AWS service sent an invocation, from the event's shape (API Gateway is billed per request)."""
    if not isinstance(event, dict):
        return "direct"
    # payload format 1.0 (REST APIs, or an HTTP API that asks for it) and 2.0 (HTTP APIs)
    if "requestContext" in event and ("httpMethod" in event or event.get("version") == "2.0"):
        return "apigateway"
    if event.get("source") == "aws.events":
        return "schedule"
    if "sla_alarm" in event:  # an SLA alarm's input (carebird.adapters.aws.scheduler), as Scheduler sends it
        return "scheduler"
    return "direct"
