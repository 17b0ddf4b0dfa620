"""X spend kept in memory for one invocation and written once at its end.

The meter counts every exchange with X (a mentions page, a reply, a DM), in the hot path of poll and
reply. `PendingSpend` stands in front of the spend counters (carebird.spend.book.SpendCounters): an add is
a sum in memory, and `flush` writes each brand, day and kind touched since the last flush as one add, so
a poll run of a hundred reads is one DynamoDB UpdateItem per kind, not a hundred. The function's wiring
flushes when the invocation ends, before Lambda may freeze the process (carebird.wiring.spend).

A write that fails keeps its count for the next flush: nothing counted is lost while the process lives.
One that fails after DynamoDB applied it (a timeout) is written again: the figure can only over-count.
Reads see what is pending, so a brand's budget counts this process's unsaved spend too.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date

from carebird.spend.book import SpendCount, SpendCounters

Key = tuple[str, date, str]  # brand, UTC day, kind


@dataclass(frozen=True)
class Flushed:
    """What one flush wrote: the counters written, and those kept for the next flush with their errors."""

    written: int = 0
    failed: dict[Key, Exception] = field(default_factory=dict)


class PendingSpend:
    """SpendCounters that add in memory until `flush`; safe across the poll's threads."""

    def __init__(self, counters: SpendCounters) -> None:
        self._counters = counters
        self._lock = threading.Lock()  # guards _pending
        self._flushing = threading.Lock()  # one flush at a time
        self._pending: dict[Key, tuple[int, int]] = {}  # units, micro-dollars

    def add(self, brand_id: str, counts: list[SpendCount]) -> None:
        with self._lock:
            for c in counts:
                units, micros = self._pending.get((brand_id, c.day, c.kind), (0, 0))
                self._pending[(brand_id, c.day, c.kind)] = (units + c.units, micros + c.micro_usd)

    def read(self, brand_id: str, start: date, end: date) -> list[SpendCount]:
        """What the counters hold for start..end, and what this process has not written yet."""
        saved = self._counters.read(brand_id, start, end)
        with self._lock:
            pending = [
                SpendCount(day, kind, units, micros)
                for (brand, day, kind), (units, micros) in self._pending.items()
                if brand == brand_id and start <= day <= end
            ]
        return saved + pending

    @property
    def pending(self) -> int:
        """How many counters wait to be written."""
        with self._lock:
            return len(self._pending)

    def flush(self) -> Flushed:
        """Write each pending counter with one add; one whose write fails stays pending. Never raises."""
        with self._flushing:
            with self._lock:
                batch = dict(self._pending)
            written = 0
            failed: dict[Key, Exception] = {}
            for key, (units, micros) in batch.items():
                brand_id, day, kind = key
                try:
                    self._counters.add(brand_id, [SpendCount(day, kind, units, micros)])
                except Exception as exc:  # kept for the next flush; the caller logs and counts it
                    failed[key] = exc
                    continue
                written += 1
                with self._lock:  # what other threads added since the batch was taken stays pending
                    left = self._pending[key]
                    left = (left[0] - units, left[1] - micros)
                    if left == (0, 0):
                        del self._pending[key]
                    else:
                        self._pending[key] = left
            return Flushed(written, failed)
