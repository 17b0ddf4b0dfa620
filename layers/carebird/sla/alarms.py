"""When each SLA clock of a case must next be looked at, and which alarms a saved change sets and clears.

Each open clock of a case (first response, next response, resolution) has one alarm (a one-time schedule,
carebird.sla.ports.ClockAlarm) at its next moment: at risk (tell people) until that was told, then the
target (escalate) until that was escalated. A clock with nothing left to do (answered, stopped, paused,
already escalated) has none. All of it is read from the case alone, so the alarms a case needs follow
from the case as stored, and a change needs exactly the alarms whose moment it moved: the new moment
set, the old one cleared (`changes`). When an alarm rings, the watch re-reads the case, which is the
truth (carebird.sla.watch.SlaWatch.ring): a late, repeated or stale ring does nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from carebird.cases.model import Case
from carebird.sla import clocks

ALARM_CLOCKS = (clocks.FIRST_RESPONSE, clocks.NEXT_RESPONSE, clocks.RESOLUTION)


@dataclass(frozen=True)
class Alarm:
    """One clock's alarm: ring at `at` (the clock's next moment)."""

    clock: str
    at: datetime


def _told(case: Case, kind: str, tag: str) -> bool:
    return any(d.kind == kind and d.value == tag for d in case.decisions)


def alarm_at(case: Case, clock: str) -> datetime | None:
    """The clock's next moment, as the case says: when it is at risk (until people were told), then when
    it is due (until it was escalated); None when the clock has nothing left to do."""
    if not case.status.is_open:
        return None
    if clock == clocks.FIRST_RESPONSE:
        due = case.first_response_due
        if due is None or case.first_response_at is not None:
            return None
        if _told(case, "sla_breach", clocks.FIRST_RESPONSE):
            return None
        warned = any(d.kind == "sla_at_risk" and "@" not in d.value for d in case.decisions)
        return due if warned else (case.at_risk_at or due)
    state = clocks.moments(case, clock)
    if not isinstance(state, clocks.Moments):
        return None  # stopped, or paused (resuming sets its alarm again)
    tag = f"{clock}@{state.instance}"
    if _told(case, "sla_breach", tag):
        return None
    return state.due if _told(case, "sla_at_risk", tag) else state.at_risk


def alarms(case: Case | None) -> dict[str, datetime]:
    """Every alarm the case needs, by clock."""
    if case is None:
        return {}
    found = {clock: alarm_at(case, clock) for clock in ALARM_CLOCKS}
    return {clock: at for clock, at in found.items() if at is not None}


@dataclass(frozen=True)
class AlarmChanges:
    """What a saved change does to the case's alarms: these to set, these (the moments they had) to clear."""

    set: tuple[Alarm, ...] = ()
    clear: tuple[Alarm, ...] = ()


def changes(before: Case | None, after: Case) -> AlarmChanges:
    """The alarms to set and clear once `after` is stored in place of `before` (None: a new case). Only
    a clock whose moment moved changes: its new moment is set, its old one cleared."""
    old, new = alarms(before), alarms(after)
    moved = [c for c in ALARM_CLOCKS if old.get(c) != new.get(c)]
    return AlarmChanges(
        set=tuple(Alarm(c, new[c]) for c in moved if c in new),
        clear=tuple(Alarm(c, old[c]) for c in moved if c in old),
    )
