"""What reports need from storage. carebird.storage.counters implements both with DynamoDB; the unit tests'
fake keeps counters in a dict."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from carebird.reports.tallies import Tally


@dataclass(frozen=True)
class ReadCost:
    """What a report cost to read: queries made, counter items and bytes read, read units by DynamoDB's
    rule for an eventually consistent Query (per query: bytes rounded up to 4 KB, half a unit each), and
    the units the engine said it consumed (None when it did not say)."""

    queries: int = 0
    items: int = 0
    bytes: int = 0
    read_units: float = 0.0
    consumed_units: float | None = None

    def __add__(self, other: ReadCost) -> ReadCost:
        consumed = (
            None
            if self.consumed_units is None and other.consumed_units is None
            else (self.consumed_units or 0.0) + (other.consumed_units or 0.0)
        )
        return ReadCost(
            self.queries + other.queries,
            self.items + other.items,
            self.bytes + other.bytes,
            self.read_units + other.read_units,
            consumed,
        )


class CounterWriter(Protocol):
    def add(self, brand_id: str, tallies: Sequence[Tally]) -> None:
        """Add each tally to its counter (created at zero when new)."""
        ...


class CounterReader(Protocol):
    def read(self, brand_id: str, metric: str, start: date, end: date) -> tuple[list[Tally], ReadCost]:
        """The metric's counters for the days start..end (inclusive), all queues, with what it cost."""
        ...
