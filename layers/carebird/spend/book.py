"""A brand's X spend by UTC day and kind, kept in the reports' daily counters, and its daily budget.

Counter `x_spend#<day>#-#<kind>` (carebird.storage.counters): `n` the units billed (posts read, posts
created, DM events read, ...), `total` what they cost in millionths of a dollar (whole numbers: no float
drift in a sum). Recording is an ADD per kind: concurrent functions never lose an increment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from carebird.reports.ports import CounterReader, CounterWriter
from carebird.reports.tallies import Tally
from carebird.spend.prices import PRICE_USD, XUse

SPEND = "x_spend"
_QUEUE = "-"
_MICRO = Decimal(1_000_000)
WARN_AT = Decimal("0.8")  # a budget 80% spent raises the alarm


@dataclass(frozen=True)
class SpendDay:
    day: date
    units: dict[str, int] = field(default_factory=dict)  # kind -> units billed
    usd: dict[str, Decimal] = field(default_factory=dict)  # kind -> dollars

    @property
    def total_usd(self) -> Decimal:
        return sum(self.usd.values(), Decimal(0))


@dataclass(frozen=True)
class Budget:
    """A day's spend against the brand's daily budget (None: no limit, the spend still counted)."""

    spent_usd: Decimal
    limit_usd: Decimal | None

    @property
    def used(self) -> float | None:
        return None if not self.limit_usd else float(self.spent_usd / self.limit_usd)

    @property
    def warning(self) -> bool:
        return self.limit_usd is not None and self.spent_usd >= WARN_AT * self.limit_usd

    @property
    def exhausted(self) -> bool:
        return self.limit_usd is not None and self.spent_usd >= self.limit_usd


class SpendBook:
    def __init__(
        self,
        writer: CounterWriter,
        reader: CounterReader,
        on_spend: Callable[[XUse, int, Decimal], None] | None = None,
    ) -> None:
        self._writer = writer
        self._reader = reader
        self._on_spend = on_spend  # e.g. a CloudWatch metric per kind

    def record(self, brand_id: str, day: date, units: Mapping[XUse, int]) -> Decimal:
        """Add what was billed; returns its cost in dollars."""
        tallies: list[Tally] = []
        spent = Decimal(0)
        for kind, n in units.items():
            if n <= 0:
                continue
            cost = PRICE_USD[kind] * n
            spent += cost
            tallies.append(Tally(SPEND, day, _QUEUE, kind.value, count=n, total=float(cost * _MICRO)))
            if self._on_spend is not None:
                self._on_spend(kind, n, cost)
        if tallies:
            self._writer.add(brand_id, tallies)
        return spent

    def days(self, brand_id: str, start: date, end: date) -> list[SpendDay]:
        """Every day start..end (inclusive), days without spend included at zero."""
        tallies, _ = self._reader.read(brand_id, SPEND, start, end)
        units: dict[date, dict[str, int]] = {}
        usd: dict[date, dict[str, Decimal]] = {}
        for t in tallies:
            units.setdefault(t.day, {})[t.key] = units.get(t.day, {}).get(t.key, 0) + t.count
            cost = (Decimal(round(t.total)) / _MICRO).quantize(Decimal("0.000001"))
            usd.setdefault(t.day, {})[t.key] = usd.get(t.day, {}).get(t.key, Decimal(0)) + cost
        out: list[SpendDay] = []
        day = start
        while day <= end:
            out.append(SpendDay(day, units.get(day, {}), usd.get(day, {})))
            day += timedelta(days=1)
        return out

    def budget(self, brand_id: str, day: date, limit_usd: Decimal | None) -> Budget:
        return Budget(self.days(brand_id, day, day)[0].total_usd, limit_usd)
