"""The X spend meter every function that calls X mounts on its tweepy sessions (carebird.adapters.x.spend),
counting into the table's daily counters and the XSpendUsd metric. One per container and table.

The meter counts in memory (carebird.spend.pending); the handlers of the functions that call X (poll, the
agent API, follow-up) are wrapped in `flushes_x_spend`, which writes what the invocation counted when it
ends, whether it returned or raised, and before Lambda may freeze the process. A flush that fails is logged
and counted (XSpendNotSaved) and never fails the invocation; its counts wait for the next one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from aws_lambda_powertools.metrics import MetricUnit

from carebird.metric_names import MetricName
from carebird.observability import logger, metrics
from carebird.spend.book import SpendBook
from carebird.spend.pending import PendingSpend
from carebird.spend.prices import XUse
from carebird.storage.counters import DynamoSpendCounters

if TYPE_CHECKING:
    from carebird.adapters.x.spend import SpendMeter

P = ParamSpec("P")
R = TypeVar("R")

# This container's unsaved spend, per table: filled by the first meter built, emptied by each flush.
_pending: dict[str, PendingSpend] = {}


def _emit(kind: XUse, units: int, usd: Decimal) -> None:
    metrics.add_metric(name=MetricName.X_SPEND_USD, unit=MetricUnit.NoUnit, value=float(usd))


def pending_spend(table_name: str) -> PendingSpend:
    if table_name not in _pending:
        _pending[table_name] = PendingSpend(DynamoSpendCounters(table_name))
    return _pending[table_name]


@lru_cache(maxsize=4)
def spend_book(table_name: str) -> SpendBook:
    return SpendBook(pending_spend(table_name), on_spend=_emit)


@lru_cache(maxsize=4)
def spend_meter(table_name: str) -> SpendMeter:
    # Imported with the X adapter it is mounted on (requests), not by every handler that flushes spend.
    from carebird.adapters.x.spend import SpendMeter

    return SpendMeter(spend_book(table_name))


def flush_x_spend() -> int:
    """Write the spend counted since the last flush: one UpdateItem per brand, day and kind. Returns how
    many counters are still unsaved (0 when all were written)."""
    unsaved = 0
    for table_name, pending in list(_pending.items()):
        failed = pending.flush().failed
        if not failed:
            continue
        unsaved += len(failed)
        logger.warning(
            "X spend not saved; kept for the next flush",
            extra={
                "table": table_name,
                "counters": [f"{brand}#{day.isoformat()}#{kind}" for brand, day, kind in failed],
                "error": repr(next(iter(failed.values()))),
            },
        )
        metrics.add_metric(name=MetricName.X_SPEND_NOT_SAVED, unit=MetricUnit.Count, value=len(failed))
    return unsaved


def flushes_x_spend(handler: Callable[P, R]) -> Callable[P, R]:
    """Wrap a Lambda handler so that what it counted on X is written before it returns or raises (inside
    `metrics.log_metrics`, so a failure's metric is published with the invocation's)."""

    @functools.wraps(handler)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return handler(*args, **kwargs)
        finally:
            try:
                flush_x_spend()
            except Exception:  # saving the spend never fails the poll or the reply it counted
                logger.exception("X spend flush failed")

    return wrapped
