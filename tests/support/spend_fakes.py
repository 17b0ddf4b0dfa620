"""The X spend counters in a dict (carebird.spend.book.SpendCounters), held to the DynamoDB adapter's
contract in tests/integration/storage/test_spend_counters.py."""

from __future__ import annotations

from datetime import date

from carebird.spend.book import SpendCount


class FakeSpendCounters:
    def __init__(self) -> None:
        self.counters: dict[tuple[str, date, str], tuple[int, int]] = {}

    def add(self, brand_id: str, counts: list[SpendCount]) -> None:
        for c in counts:
            units, micros = self.counters.get((brand_id, c.day, c.kind), (0, 0))
            self.counters[(brand_id, c.day, c.kind)] = (units + c.units, micros + c.micro_usd)

    def read(self, brand_id: str, start: date, end: date) -> list[SpendCount]:
        return [
            SpendCount(day, kind, units, micros)
            for (brand, day, kind), (units, micros) in sorted(self.counters.items())
            if brand == brand_id and start <= day <= end
        ]


class CountingSpendCounters(FakeSpendCounters):
    """The dict counters that also keep each write, as DynamoSpendCounters would make it (one UpdateItem per
    count), and fail the next `failing` writes as an unavailable table would."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[tuple[str, date, str]] = []
        self.failing = 0

    def add(self, brand_id: str, counts: list[SpendCount]) -> None:
        if self.failing:
            self.failing -= 1
            raise ConnectionError("DynamoDB unavailable")
        self.writes += [(brand_id, c.day, c.kind) for c in counts]
        super().add(brand_id, counts)
