"""The net under the SLA alarms (carebird.sla.overdue): a clock whose alarm never rang is found by the
follow-up sweep and its alarm set again; a warning or escalation is still made once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from carebird.brands.desk import load_triage_config
from carebird.cases.model import Case, CaseStatus
from carebird.sla import clocks, overdue
from tests.support.sla_fakes import FakeClockAlarm
from tests.support.triage_fakes import NOW
from tests.unit.sla.test_alarms import World

CONFIG = load_triage_config(None)  # P2: first response 60 minutes, at risk at 48
FR, RES = clocks.FIRST_RESPONSE, clocks.RESOLUTION


def listed(case: Case) -> Case:
    """The case as a queue listing gives it: without its decision log."""
    return case.model_copy(update={"decisions": []})


class Failing(FakeClockAlarm):
    def set(self, case_id: str, clock: str, at: datetime) -> None:
        raise RuntimeError("Scheduler throttled")


def lose_alarms(w: World) -> None:
    """Every alarm of the case is gone (never set, or its ring died in the dead-letter queue)."""
    w.rec.alarms.alarms.clear()


def sweep(w: World, alarm: FakeClockAlarm | None = None) -> list[overdue.Overdue]:
    case = w.cases.get(w.case_id)
    assert case is not None
    return overdue.set_overdue_alarms([listed(case)], w.cases.get, alarm or w.rec.alarms, w.now)


def test_a_lost_first_response_alarm_is_set_again_once_its_moment_is_past_the_grace() -> None:
    w = World()
    lose_alarms(w)
    w.at(48 + 2)  # at risk at 48: Scheduler may still be about to ring
    assert sweep(w) == [] and w.rec.alarms.of(w.case_id) == {}
    w.at(48 + 3)
    (found,) = sweep(w)
    assert (found.clock, found.at, found.late) == (FR, NOW + timedelta(minutes=48), timedelta(minutes=3))
    assert w.rec.alarms.of(w.case_id) == {FR: [NOW + timedelta(minutes=48)]}
    # It rings (Scheduler: a few seconds later), and the watch warns once and sets the target's alarm.
    w.ring(FR)
    assert [subject for subject, _ in w.rec.notices] == [f"SLA at risk: case {w.case_id}"]
    assert w.rec.alarms.of(w.case_id) == {FR: [NOW + timedelta(minutes=60)]}
    assert sweep(w) == []  # nothing overdue any more


def test_a_warned_clock_whose_target_alarm_was_lost_escalates_through_the_net() -> None:
    w = World()
    w.at(48)
    w.ring(FR)  # warned; the target's alarm (60) set
    lose_alarms(w)
    w.at(61)
    assert sweep(w) == []  # a minute late is within the grace
    w.at(63)
    (found,) = sweep(w)
    assert (found.clock, found.at) == (FR, NOW + timedelta(minutes=60))
    w.ring(FR)
    case = w.cases.get(w.case_id)
    assert case is not None and case.sla_breaches == 1 and case.queue == "escalations"
    subjects = [subject.split(":")[0] for subject, _ in w.rec.notices]
    assert subjects.count("SLA at risk") == 1 and len(subjects) == 2  # warned once, then the breach
    assert sweep(w) == []


def test_a_listed_case_is_read_whole_only_when_a_moment_may_be_overdue() -> None:
    w = World()
    reads: list[str] = []

    def whole(case_id: str) -> Case | None:
        reads.append(case_id)
        return w.cases.get(case_id)

    case = w.cases.get(w.case_id)
    assert case is not None
    w.at(30)
    assert overdue.overdue_alarms([listed(case)], whole, w.now) == [] and reads == []
    w.at(60)
    assert [o.clock for o in overdue.overdue_alarms([listed(case)], whole, w.now)] == [FR]
    assert reads == [w.case_id]


def test_an_answered_case_has_nothing_overdue() -> None:
    w = World()
    w.at(10)
    w.change(first_response_at=w.now, status=CaseStatus.PENDING_CUSTOMER)
    w.at(1000)
    assert sweep(w) == []


def test_an_alarm_that_cannot_be_set_is_left_for_the_next_sweep_and_others_still_set() -> None:
    w = World()
    lose_alarms(w)
    w.at(51)
    assert sweep(w, Failing()) == []
    assert [o.clock for o in sweep(w)] == [FR]


@pytest.mark.parametrize(
    ("minutes_late", "again"),
    [(2, False), (3, True), (5, True), (6, True), (9, False), (12, True), (15, False), (24, True)],
)
def test_a_ring_that_keeps_failing_is_set_again_only_at_doubling_delays(
    minutes_late: int, again: bool
) -> None:
    assert overdue.due_again(timedelta(minutes=minutes_late)) is again
