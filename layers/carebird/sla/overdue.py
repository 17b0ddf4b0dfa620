"""The net under the SLA alarms: a clock's moment that passed with no alarm ringing for it is found, and
its alarm set again.

An alarm can go missing: the case was saved but setting its alarm failed (Scheduler throttled or
unreachable; the agent's request failed after the save, and a retry that changes nothing sets nothing),
or a ring that kept failing ended in the dead-letter queue. The clock then never warns or escalates, and
the case waits with nobody told. The follow-up function, which already lists every brand's queued and
assigned cases each minute (carebird.sla.unanswered), looks at each one's clocks as the case says
(carebird.sla.alarms) and sets again each alarm whose moment passed more than GRACE ago: Scheduler rings
within the minute after a moment, and a ring saves what it did, which moves or ends the alarm, so a moment
still pending after GRACE rang for nobody.

Setting an alarm that is set already is nothing (the schedule's name is its case, clock and moment), and a
ring that comes twice does nothing twice (carebird.sla.watch.SlaWatch.ring), so the net never makes a
warning or an escalation twice. A ring that keeps failing is not set again every minute: only while the
number of GRACE periods it is overdue by is a power of two (3, 6, 12, 24 minutes... late), so a broken case
costs a few dead letters a day, not one a minute.

A listed case carries no decision log, so its alarms read from it are each clock's earliest moment (at risk
before it was told); only a case with one of those overdue is read whole (one GetItem) to decide.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from carebird.cases.model import Case
from carebird.observability import logger
from carebird.sla import alarms
from carebird.sla.ports import ClockAlarm

# Scheduler rings within 60 s of the moment; a ring takes seconds. Past this, the alarm rang for nobody.
GRACE = timedelta(minutes=3)


@dataclass(frozen=True)
class Overdue:
    """A clock whose alarm should have rung `late` ago."""

    case_id: str
    clock: str
    at: datetime
    late: timedelta


def overdue_alarms(
    listed: Iterable[Case],
    whole: Callable[[str], Case | None],
    now: datetime,
    grace: timedelta = GRACE,
) -> list[Overdue]:
    """The alarms of these open cases (as listed: no decision log) whose moment passed over `grace` ago,
    each case read whole by `whole` (its id) only when its earliest moment is that late."""
    found: list[Overdue] = []
    for case in listed:
        earliest = alarms.alarms(case)
        if not earliest or min(earliest.values()) > now - grace:
            continue
        full = whole(case.id)
        if full is None:
            continue
        for clock, at in alarms.alarms(full).items():
            if at <= now - grace:
                found.append(Overdue(full.id, clock, at, now - at))
    return found


def due_again(late: timedelta, grace: timedelta = GRACE) -> bool:
    """Whether an alarm `late` past its moment is set again on this sweep: while the number of whole
    `grace` periods it is late by is a power of two (1, 2, 4, 8, ...)."""
    periods = int(late / grace)
    return periods >= 1 and periods & (periods - 1) == 0


def set_overdue_alarms(
    listed: Iterable[Case],
    whole: Callable[[str], Case | None],
    alarm: ClockAlarm,
    now: datetime,
    grace: timedelta = GRACE,
) -> list[Overdue]:
    """Set again the alarm of each overdue clock that is due for it (`due_again`); the ones set. One that
    cannot be set is logged and left for the next sweep."""
    done: list[Overdue] = []
    for overdue in overdue_alarms(listed, whole, now, grace):
        if not due_again(overdue.late, grace):
            continue
        try:
            alarm.set(overdue.case_id, overdue.clock, overdue.at)
        except Exception:  # the next sweep tries again; the other cases' alarms still get theirs
            logger.exception(
                "overdue SLA alarm not set", extra={"case_id": overdue.case_id, "clock": overdue.clock}
            )
            continue
        logger.warning(
            "SLA alarm set again: its moment passed with no ring",
            extra={
                "case_id": overdue.case_id,
                "clock": overdue.clock,
                "at": overdue.at.isoformat(),
                "late_seconds": int(overdue.late.total_seconds()),
            },
        )
        done.append(overdue)
    return done
