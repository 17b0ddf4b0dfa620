"""Binding PynamoDB models to the table named at run time.

PynamoDB reads the table name from a model's Meta class. Models here are declared without one and
bound per repository instance, so nothing reads TABLE_NAME at import time and tests can point two
repositories at two engines in one process. Without `host`, botocore honours AWS_ENDPOINT_URL, which is
how the local stack redirects everything. A bound class is kept for the process (`bind`), so its botocore
client is made once per warm sandbox, not once per repository.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from typing import Any, TypeVar, cast

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import PynamoDBException
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

M = TypeVar("M", bound=Model)


class TableItem(Model):
    """Key attributes every item of the table has."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


# Both indexes project keys only (template.yaml): an item's write reaches an index only when its index
# key appears, moves or goes, never for a change of any other attribute (a case save, a mention handed
# off). A query of an index is followed by one BatchGetItem of the items it found (`whole`). The code
# reads an index that projects ALL the same way (a stack deployed before keeps its indexes: README).
class Gsi1(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "gsi1"
        projection = KeysOnlyProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class Gsi2(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "gsi2"
        projection = KeysOnlyProjection()

    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = UnicodeAttribute(range_key=True)


def whole(model: type[M], found: Iterable[Model]) -> list[M]:
    """The whole items an index query found, in its order (`whole_raw`)."""
    return [model.from_raw_data(raw) for raw in whole_raw(model, found)]


def whole_raw(model: type[Model], found: Iterable[Model]) -> list[dict[str, Any]]:
    """The stored items an index query found, as DynamoDB returns them, in the query's order: BatchGetItem
    of their keys, 100 a request, until none is left unprocessed (no request when it found nothing). An
    item deleted since the query is left out."""
    keys = list(dict.fromkeys((str(item.pk), str(item.sk)) for item in found))  # type: ignore[attr-defined]
    got: dict[tuple[str, str], dict[str, Any]] = {}
    for start in range(0, len(keys), BATCH_GET_LIMIT):
        pending: Any = [{"pk": pk, "sk": sk} for pk, sk in keys[start : start + BATCH_GET_LIMIT]]
        while pending:
            page, pending = model._batch_get_page(pending, consistent_read=None, attributes_to_get=None)
            for raw in page or ():
                got[(raw["pk"]["S"], raw["sk"]["S"])] = raw
    return [got[key] for key in keys if key in got]


BATCH_GET_LIMIT = 100  # keys in one BatchGetItem request


def bind(model: type[M], table_name: str, *, host: str | None = None, region: str | None = None) -> type[M]:
    """`model` bound to the table: one class per model, table and endpoint for the life of the process, so
    its PynamoDB connection (a botocore client, with its loaded service model and its pool of open HTTP
    connections) serves every repository built on it, in this invocation and the next ones of a warm
    sandbox; and every model of the table shares one connection. A repository built per invocation used to
    make a client each time (about 70 ms of CPU each warm, more on the first), and each model class its own.
    The environment that picks the endpoint, region and credentials is part of the key, so a process that
    changes it (tests) gets a class that follows."""
    environment = tuple(os.environ.get(name) for name in _CLIENT_ENVIRONMENT)
    return cast(type[M], _bound(model, table_name, host, region, environment))


# What botocore reads from the environment when PynamoDB makes its client.
_CLIENT_ENVIRONMENT = (
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_PROFILE",
)


@functools.lru_cache(maxsize=256)
def _bound(
    model: type[Model],
    table_name: str,
    host: str | None,
    region: str | None,
    environment: tuple[str | None, ...],
) -> type[Model]:
    meta: dict[str, Any] = {
        "table_name": table_name,
        "connect_timeout_seconds": 5,
        "read_timeout_seconds": 10,
    }
    if host:
        meta["host"] = host
    if region:
        meta["region"] = region
    namespace = {"Meta": type("Meta", (), meta), "__module__": model.__module__}
    bound = cast(type[Model], type(model.__name__, (model,), namespace))
    if model is not _Table:
        # Every model of the table shares the table's one connection (one botocore client), which knows
        # the table's whole key schema: PynamoDB would give each model class its own.
        bound._connection = _bound(_Table, table_name, host, region, environment)._get_connection()
    return bound


class _Table(TableItem):
    """The table as template.yaml declares it (keys and both indexes): the schema its shared connection
    knows, whichever of them a model declares."""

    gsi1 = Gsi1()
    gsi2 = Gsi2()


def is_condition_failure(exc: PynamoDBException) -> bool:
    return exc.cause_response_code == "ConditionalCheckFailedException"


WRITE_UNIT_BYTES = 1024  # DynamoDB bills a write by the KB of the larger of the item before and after


def item_bytes(item: Model) -> int:
    """The item's size by DynamoDB's rule: each attribute's name and value in bytes, a number about one
    byte per two significant digits, plus one."""
    return sum(len(name.encode()) + _value_bytes(value) for name, value in item.serialize().items())


def _value_bytes(value: dict[str, Any]) -> int:
    (kind, v), *_ = value.items()
    if kind == "N":
        digits = str(v).lstrip("-").replace(".", "").lstrip("0") or "0"
        return (len(digits) + 1) // 2 + 1
    if kind == "B":
        return len(v)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + 1 + _value_bytes(x) for k, x in v.items())
    if kind == "L":
        return 3 + sum(1 + _value_bytes(x) for x in v)
    return len(str(v).encode())


def padded(number: str | int) -> str:
    return f"{int(number):020d}"
