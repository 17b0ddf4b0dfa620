"""The SLA clocks' alarms in memory (carebird.sla.ports.ClockAlarm), held to what the Scheduler adapter
does: one alarm per (case, clock, moment), setting one twice keeps one, clearing one that is gone is
nothing."""

from __future__ import annotations

from datetime import datetime


class FakeClockAlarm:
    def __init__(self) -> None:
        self.alarms: set[tuple[str, str, datetime]] = set()
        self.calls: list[tuple[str, str, str, datetime]] = []  # ("set" | "clear", case, clock, at)

    def set(self, case_id: str, clock: str, at: datetime) -> None:
        self.calls.append(("set", case_id, clock, at))
        self.alarms.add((case_id, clock, at))

    def clear(self, case_id: str, clock: str, at: datetime) -> None:
        self.calls.append(("clear", case_id, clock, at))
        self.alarms.discard((case_id, clock, at))

    def of(self, case_id: str) -> dict[str, list[datetime]]:
        """The case's alarms still set, by clock (a clock with two means an alarm was left behind)."""
        found: dict[str, list[datetime]] = {}
        for case, clock, at in sorted(self.alarms):
            if case == case_id:
                found.setdefault(clock, []).append(at)
        return found

    def ring(self, case_id: str, clock: str, at: datetime) -> None:
        """The alarm rang: Scheduler deletes it (ActionAfterCompletion DELETE)."""
        self.alarms.discard((case_id, clock, at))
