"""The reports' counters in DynamoDB (carebird.reports.ports CounterWriter and CounterReader).

    entity    pk                 sk                                        attributes
    counter   REPORT#<b>         <metric>#<day>#<queue>#<key>              n (count), total, queue

(`<b>` the brand id, `<day>` YYYY-MM-DD in UTC; see carebird.reports.tallies for the metrics and keys.)
Access patterns:
- count: UpdateItem `ADD n :count, total :total SET queue = :queue` per counter (created at zero when new).
  ADD commutes, so concurrent writers never conflict or lose an increment.
- a report: Query REPORT#<b>, sk BETWEEN "<metric>#<start>" AND "<metric>#<end>#~", eventually
  consistent, paginated: it reads the metric's counters for those days and nothing else, so its cost
  follows the days and queues covered, never the number of cases.

One partition per brand: the counters take a handful of writes per case (a busy brand's thousands of cases
a day are a few writes a second, far under a partition's 1,000 write units a second).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.expressions.update import Action

from carebird.reports.ports import ReadCost
from carebird.reports.tallies import Tally
from carebird.spend.book import SPEND_COUNTER, SpendCount
from carebird.storage.table import TableItem, bind

_RCU_BYTES = 4096


class CounterItem(TableItem):
    n = NumberAttribute(default=0)
    total = NumberAttribute(default=0)
    queue = UnicodeAttribute(null=True)


def report_pk(brand_id: str) -> str:
    return f"REPORT#{brand_id}"


def counter_sk(tally: Tally) -> str:
    return f"{tally.metric}#{tally.day.isoformat()}#{tally.queue}#{tally.key}"


class DynamoReportCounters:
    def __init__(self, table_name: str, *, host: str | None = None, region: str | None = None) -> None:
        self._item = bind(CounterItem, table_name, host=host, region=region)

    def add(self, brand_id: str, tallies: Sequence[Tally]) -> None:
        for tally in tallies:
            item = self._item(report_pk(brand_id), counter_sk(tally))
            actions: list[Action] = [self._item.n.add(tally.count), self._item.queue.set(tally.queue)]
            if tally.total:
                actions.append(self._item.total.add(tally.total))
            item.update(actions=actions)

    def read(self, brand_id: str, metric: str, start: date, end: date) -> tuple[list[Tally], ReadCost]:
        condition = self._item.sk.between(f"{metric}#{start.isoformat()}", f"{metric}#{end.isoformat()}#~")
        found: list[Tally] = []
        cost = ReadCost()
        last_key: dict[str, Any] | None = None
        while True:
            page = self._item._get_connection().query(  # the raw page: it says what the read consumed
                report_pk(brand_id),
                range_key_condition=condition,
                exclusive_start_key=last_key,
                return_consumed_capacity="TOTAL",
            )
            items = page.get("Items", [])
            found += [_tally(item) for item in items]
            size = sum(item_size(i) for i in items)
            consumed = page.get("ConsumedCapacity", {}).get("CapacityUnits")
            cost = cost + ReadCost(
                queries=1,
                items=len(items),
                bytes=size,
                read_units=max(1, -(-size // _RCU_BYTES)) / 2,
                consumed_units=None if consumed is None else float(consumed),
            )
            last_key = page.get("LastEvaluatedKey")
            if not last_key:
                return found, cost


def _tally(raw: dict[str, Any]) -> Tally:
    metric, day, queue, key = raw["sk"]["S"].split("#", 3)
    return Tally(
        metric,
        date.fromisoformat(day),
        queue,
        key,
        count=int(raw.get("n", {}).get("N", "0")),
        total=float(raw.get("total", {}).get("N", "0")),
    )


def item_size(raw: dict[str, Any]) -> int:
    """An item's size by DynamoDB's rule: attribute names and values in bytes, a number about one byte
    per two significant digits plus one."""
    size = 0
    for name, value in raw.items():
        kind, data = next(iter(value.items()))
        if kind == "N":
            digits = str(data).lstrip("-").replace(".", "").strip("0") or "0"
            size += len(name) + len(digits) // 2 + 2
        else:
            size += len(name) + len(str(data).encode())
    return size


def spend_sk(day: date, kind: str) -> str:
    return f"{SPEND_COUNTER}#{day.isoformat()}#-#{kind}"


class DynamoSpendCounters:
    """A brand's X spend (carebird.spend.book.SpendCounters) beside its report counters: pk REPORT#<b>,
    sk x_spend#<day>#-#<kind>, `n` the units and `total` the micro-dollars, each an ADD."""

    def __init__(self, table_name: str, *, host: str | None = None, region: str | None = None) -> None:
        self._item = bind(CounterItem, table_name, host=host, region=region)

    def add(self, brand_id: str, counts: list[SpendCount]) -> None:
        for c in counts:
            item = self._item(report_pk(brand_id), spend_sk(c.day, c.kind))
            item.update(actions=[self._item.n.add(c.units), self._item.total.add(c.micro_usd)])

    def read(self, brand_id: str, start: date, end: date) -> list[SpendCount]:
        condition = self._item.sk.between(
            f"{SPEND_COUNTER}#{start.isoformat()}", f"{SPEND_COUNTER}#{end.isoformat()}#~"
        )
        found: list[SpendCount] = []
        for item in self._item.query(report_pk(brand_id), range_key_condition=condition):
            _, day, _, kind = item.sk.split("#", 3)
            found.append(SpendCount(date.fromisoformat(day), kind, int(item.n or 0), int(item.total or 0)))
        return found
