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
    """What a report cost to read: queries made, counter items read, read capacity units consumed."""

    queries: int = 0
    items: int = 0
    read_units: float = 0.0

    def __add__(self, other: ReadCost) -> ReadCost:
        return ReadCost(
            self.queries + other.queries, self.items + other.items, self.read_units + other.read_units
        )


class CounterWriter(Protocol):
    def add(self, brand_id: str, tallies: Sequence[Tally]) -> None:
        """Add each tally to its counter (created at zero when new)."""
        ...


class CounterReader(Protocol):
    def read(self, brand_id: str, metric: str, start: date, end: date) -> tuple[list[Tally], ReadCost]:
        """The metric's counters for the days start..end (inclusive), all queues, with what it cost."""
        ...
