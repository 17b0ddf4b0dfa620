"""A brand's X spend by UTC day and kind, kept in the reports' daily counters, and its daily budget.

One counter per brand, day and kind (carebird.storage.counters.DynamoSpendCounters): the units billed
(posts read, posts created, DM events read, ...) and what they cost in millionths of a dollar (whole
numbers: no float drift in a sum). Recording is an ADD per kind: concurrent functions never lose one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol

from carebird.spend.prices import PRICE_USD, XUse

_MICRO = Decimal(1_000_000)
SPEND_COUNTER = "x_spend"  # the counters' metric name, beside the reports' (carebird.reports.tallies)
WARN_AT = Decimal("0.8")  # a budget 80% spent raises the alarm


@dataclass(frozen=True)
class SpendCount:
    """One counter: what one kind of use on X came to on one UTC day."""

    day: date
    kind: str
    units: int
    micro_usd: int


class SpendCounters(Protocol):
    """Where the daily counts live (carebird.storage.counters.DynamoSpendCounters; a dict in the tests)."""

    def add(self, brand_id: str, counts: list[SpendCount]) -> None:
        """Add each count to its counter (created at zero when new); concurrent adds never lose one."""
        ...

    def read(self, brand_id: str, start: date, end: date) -> list[SpendCount]:
        """The brand's counters for the days start..end (inclusive)."""
        ...


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
        self, counters: SpendCounters, on_spend: Callable[[XUse, int, Decimal], None] | None = None
    ) -> None:
        self._counters = counters
        self._on_spend = on_spend  # e.g. a CloudWatch metric per kind

    def record(self, brand_id: str, day: date, units: Mapping[XUse, int]) -> Decimal:
        """Add what was billed; returns its cost in dollars."""
        counts: list[SpendCount] = []
        spent = Decimal(0)
        for kind, n in units.items():
            if n <= 0:
                continue
            cost = PRICE_USD[kind] * n
            spent += cost
            counts.append(SpendCount(day, kind.value, n, int(cost * _MICRO)))
            if self._on_spend is not None:
                self._on_spend(kind, n, cost)
        if counts:
            self._counters.add(brand_id, counts)
        return spent

    def days(self, brand_id: str, start: date, end: date) -> list[SpendDay]:
        """Every day start..end (inclusive), days without spend included at zero."""
        return self.days_of(self._counters.read(brand_id, start, end), start, end)

    @staticmethod
    def days_of(counts: Iterable[SpendCount], start: date, end: date) -> list[SpendDay]:
        """The counters read for start..end as days of spend in dollars, days without spend at zero: the
        one place counters become dollars (the book's own reads, and the reports' x-spend, which reads the
        same counters through its own port to say what reading them cost)."""
        units: dict[date, dict[str, int]] = {}
        micros: dict[date, dict[str, int]] = {}
        for c in counts:
            units.setdefault(c.day, {})[c.kind] = units.get(c.day, {}).get(c.kind, 0) + c.units
            micros.setdefault(c.day, {})[c.kind] = micros.get(c.day, {}).get(c.kind, 0) + c.micro_usd
        out: list[SpendDay] = []
        day = start
        while day <= end:
            usd = {kind: Decimal(m) / _MICRO for kind, m in micros.get(day, {}).items()}
            out.append(SpendDay(day, units.get(day, {}), usd))
            day += timedelta(days=1)
        return out

    @staticmethod
    def total(days: Iterable[SpendDay]) -> dict[str, tuple[int, Decimal]]:
        """Units and dollars per kind over these days."""
        out: dict[str, tuple[int, Decimal]] = {}
        for d in days:
            for kind, n in d.units.items():
                units, usd = out.get(kind, (0, Decimal(0)))
                out[kind] = (units + n, usd + d.usd.get(kind, Decimal(0)))
        return out

    def budget(self, brand_id: str, day: date, limit_usd: Decimal | None) -> Budget:
        return Budget(self.days(brand_id, day, day)[0].total_usd, limit_usd)
