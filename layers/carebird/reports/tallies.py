"""Which stored business event counts toward which report, as tallies: pure functions of what was stored.

A tally is one increment of one counter: (metric, day, queue, key) by `count`, plus `total` for durations.
Days are UTC dates; hours are UTC hours. A case event counts under the case's queue and priority as they
are once the change is stored (a breach: the escalation queue it was moved to).

Case events come from the decisions a save appends (a case carries `tallied`, how many of its decisions
are counted, so a retried save or a re-read case never counts twice):

- volume        a case opened into a queue (not one closed as noise on arrival); key: UTC hour "00".."23"
- first_response the first reply is on X; key "<priority>#<bucket>#met|missed" (bucket: the upper bound
                in seconds of the wait's histogram bucket; the reply's verdict), total: seconds waited
- sla           a clock's verdict; key "<clock>#met|missed". A clock's verdict is counted once: missed at
                its breach (the moment it can no longer be met), otherwise met or missed when it stops
                (first reply, next reply, resolution). A clock that stops without a verdict (a case
                closed before any reply) counts in neither.
- resolved      an agent resolved the case
- reopened_low  a satisfaction score at or below the brand's low score reopened the case
- csat          a survey answered with a score (carebird.storage.surveys); key: the score "1".."5"
- correction    an agent moved a case to another queue or agent (carebird.storage.casework); key:
                "queue" or "agent"
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from carebird.cases.model import Case, Decision

VOLUME = "volume"
FIRST_RESPONSE = "first_response"
SLA = "sla"
RESOLVED = "resolved"
REOPENED_LOW = "reopened_low"
CSAT = "csat"
CORRECTION = "correction"
METRICS = (VOLUME, FIRST_RESPONSE, SLA, RESOLVED, REOPENED_LOW, CSAT, CORRECTION)

CLOCKS = ("first_response", "next_response", "resolution")
# Upper bounds (seconds) of the first-response histogram's buckets; the last one is open-ended.
WAIT_BUCKETS = (60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 172800)
OVER = 10**9  # the open-ended bucket's key
SURVEY_REOPENER = "survey"  # Decision.by of a reopen caused by a low satisfaction score


@dataclass(frozen=True)
class Tally:
    metric: str
    day: date
    queue: str
    key: str
    count: int = 1
    total: float = 0.0

    @property
    def slot(self) -> tuple[str, date, str, str]:
        return (self.metric, self.day, self.queue, self.key)


def merged(tallies: Iterable[Tally]) -> list[Tally]:
    """Tallies of the same counter added into one (one write per counter)."""
    by_slot: dict[tuple[str, date, str, str], Tally] = {}
    for t in tallies:
        old = by_slot.get(t.slot)
        by_slot[t.slot] = (
            t if old is None else Tally(*t.slot, count=old.count + t.count, total=old.total + t.total)
        )
    return list(by_slot.values())


def bucket_of(seconds: float) -> int:
    return next((bound for bound in WAIT_BUCKETS if seconds <= bound), OVER)


def opened(case: Case) -> list[Tally]:
    """A new case: counted in its queue's volume unless it was closed on arrival (noise)."""
    if not case.status.is_open:
        return []
    at = case.created_at
    return [Tally(VOLUME, at.date(), case.queue, f"{at.hour:02d}")]


def case_tallies(case: Case) -> list[Tally]:
    """The tallies of the decisions appended since the case was last counted (`case.tallied`)."""
    decisions = case.decisions
    out: list[Tally] = []
    for index in range(min(case.tallied, len(decisions)), len(decisions)):
        out += _of_decision(case, decisions[index], decisions[:index])
    return merged(out)


def _of_decision(case: Case, d: Decision, earlier: Sequence[Decision]) -> list[Tally]:
    day, queue = d.at.date(), case.queue
    if d.kind == "sla_breach":
        clock = d.value.split("@", 1)[0]
        return [Tally(SLA, day, queue, f"{clock}#missed")] if clock in CLOCKS else []
    if d.kind == "first_response" and d.value in ("met", "missed"):
        waited = max(0.0, (d.at - case.first_message_at).total_seconds())
        key = f"{case.priority}#{bucket_of(waited)}#{d.value}"
        out = [Tally(FIRST_RESPONSE, day, queue, key, total=waited)]
        if d.value == "met" or not _breached(earlier, "first_response"):
            out.append(Tally(SLA, day, queue, f"first_response#{d.value}"))
        return out
    if d.kind == "next_response" and d.value in ("met", "missed"):
        if d.value == "met" or not _breached(earlier, "next_response"):
            return [Tally(SLA, day, queue, f"next_response#{d.value}")]
        return []
    if d.kind == "resolution" and d.value in ("met", "missed"):
        if d.value == "met" or not _breached(earlier, "resolution"):
            return [Tally(SLA, day, queue, f"resolution#{d.value}")]
        return []
    if d.kind == "resolved":
        return [Tally(RESOLVED, day, queue, "-")]
    if d.kind == "reopened" and d.by == SURVEY_REOPENER:
        return [Tally(REOPENED_LOW, day, queue, "-")]
    return []


def _breached(earlier: Sequence[Decision], clock: str) -> bool:
    """Whether the clock's current run was already counted as missed at its breach. A next-response clock
    runs several times in a case: its current run started at the last `sla` decision naming it."""
    for d in reversed(earlier):
        if d.kind == "sla_breach" and d.value.split("@", 1)[0] == clock:
            return True
        if clock == "next_response" and d.kind == "sla" and d.value.startswith("next_response:"):
            return False
    return False


def csat(brand_queue: str, score: int, at: datetime) -> Tally:
    return Tally(CSAT, at.date(), brand_queue or "-", str(score))


def correction(queue: str, kind: str, at: datetime) -> Tally:
    return Tally(CORRECTION, at.date(), queue, kind)
