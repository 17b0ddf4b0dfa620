"""An in-memory counter store (carebird.reports.ports) and alarm source (carebird.team.ports)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from carebird.reports.ports import ReadCost
from carebird.reports.tallies import Tally, merged
from carebird.team.model import AlarmState


class FakeCounters:
    def __init__(self) -> None:
        self.by_brand: dict[str, list[Tally]] = {}

    def add(self, brand_id: str, tallies: Sequence[Tally]) -> None:
        self.by_brand[brand_id] = merged([*self.by_brand.get(brand_id, []), *tallies])

    def read(self, brand_id: str, metric: str, start: date, end: date) -> tuple[list[Tally], ReadCost]:
        found = [t for t in self.by_brand.get(brand_id, []) if t.metric == metric and start <= t.day <= end]
        return found, ReadCost(queries=1, items=len(found), bytes=60 * len(found), read_units=0.5)


class FakeAlarms:
    def __init__(self, *alarms: AlarmState) -> None:
        self.states = list(alarms)

    def alarms(self) -> list[AlarmState]:
        return list(self.states)
