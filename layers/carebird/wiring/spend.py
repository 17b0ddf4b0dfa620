"""The X spend meter every function that calls X mounts on its tweepy sessions (carebird.adapters.x.spend),
counting into the table's daily counters and the XSpendUsd metric. One per container and table."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from aws_lambda_powertools.metrics import MetricUnit

from carebird.adapters.x.spend import SpendMeter
from carebird.metric_names import MetricName
from carebird.observability import metrics
from carebird.spend.book import SpendBook
from carebird.spend.prices import XUse
from carebird.storage.counters import DynamoSpendCounters


def _emit(kind: XUse, units: int, usd: Decimal) -> None:
    metrics.add_metric(name=MetricName.X_SPEND_USD, unit=MetricUnit.NoUnit, value=float(usd))


@lru_cache(maxsize=4)
def spend_book(table_name: str) -> SpendBook:
    return SpendBook(DynamoSpendCounters(table_name), on_spend=_emit)


@lru_cache(maxsize=4)
def spend_meter(table_name: str) -> SpendMeter:
    return SpendMeter(spend_book(table_name))
