"""Binding PynamoDB models to the table named at run time.

PynamoDB reads the table name from a model's Meta class. Models here are declared without one and
bound per repository instance, so nothing reads TABLE_NAME at import time and tests can point two
repositories at two engines in one process. Without `host`, botocore honours AWS_ENDPOINT_URL, which is
how the local stack redirects everything.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import PynamoDBException
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

M = TypeVar("M", bound=Model)


class TableItem(Model):
    """Key attributes every item of the table has."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class Gsi1(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class Gsi2(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "gsi2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = UnicodeAttribute(range_key=True)


def bind(model: type[M], table_name: str, *, host: str | None = None, region: str | None = None) -> type[M]:
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
    return cast(type[M], type(model.__name__, (model,), namespace))


def is_condition_failure(exc: PynamoDBException) -> bool:
    return exc.cause_response_code == "ConditionalCheckFailedException"


def padded(number: str | int) -> str:
    return f"{int(number):020d}"
