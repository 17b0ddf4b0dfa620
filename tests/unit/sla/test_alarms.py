"""Which clock's alarm a saved change sets and clears (carebird.sla.alarms, carebird.sla.wakes), and
what a ringing alarm does (carebird.sla.watch.SlaWatch.ring): one alarm per open clock, at its next
moment, none left once the case is answered and resolved."""

from __future__ import annotations

from datetime import timedelta

import pytest

from carebird.brands.desk import load_triage_config
from carebird.cases.model import CaseStatus
from carebird.sla import alarms, clocks, wakes
from carebird.triage.service import TriageService
from tests.support.triage_fakes import (
    NOW,
    FakeAgents,
    FakeCases,
    FixedPriority,
    Recorder,
    agent,
    classified,
    message,
)

CONFIG = load_triage_config(None)  # P2: first response 60, next response 120, resolution 480 minutes
FR, NR, RES = clocks.FIRST_RESPONSE, clocks.NEXT_RESPONSE, clocks.RESOLUTION


class World:
    def __init__(self) -> None:
        self.now = NOW
        self.cases, self.rec = FakeCases(), Recorder()
        self.svc = TriageService(
            self.cases, FakeAgents([agent("ana"), agent("esc", skills=("escalations",))]), FixedPriority(),
            clock=lambda: self.now, signals=self.rec.sla, notifier=self.rec, sla_metrics=self.rec,
        )  # fmt: skip
        self.case_id = self.svc.triage(message(), classified(), CONFIG).case_id

    def at(self, minutes: float) -> None:
        self.now = NOW + timedelta(minutes=minutes)

    def change(self, **changes: object) -> None:
        """What casework does to a case: the clocks' rule, the save, then the alarms."""
        before = self.cases.get(self.case_id)
        assert before is not None
        after, woken = clocks.settle(before, before.model_copy(update=changes), self.now, CONFIG)
        wakes.after_save(self.rec.sla, self.cases, before, self.cases.save(after), woken)

    def ring(self, clock: str) -> None:
        """The clock's alarm rings at its time (Scheduler deletes it), as the schedule's input says."""
        ((at,),) = [self.rec.alarms.of(self.case_id)[clock]]
        self.rec.alarms.ring(self.case_id, clock, at)
        self.svc.ring(self.case_id, clock, at, lambda brand_id: CONFIG)

    def alarms(self) -> dict[str, list[timedelta]]:
        return {c: [at - NOW for at in ats] for c, ats in self.rec.alarms.of(self.case_id).items()}


def test_a_new_case_sets_its_first_response_and_resolution_alarms_at_risk() -> None:
    w = World()
    assert w.alarms() == {FR: [timedelta(minutes=48)], RES: [timedelta(minutes=384)]}
    # Triage of the same message again (Express is at-least-once): the same alarms, no new one.
    w.svc.triage(message(), classified(), CONFIG)
    assert w.alarms() == {FR: [timedelta(minutes=48)], RES: [timedelta(minutes=384)]}


def test_an_answered_then_resolved_case_leaves_no_alarm_and_none_rang() -> None:
    w = World()
    w.at(10)  # the first reply: the case waits on the customer, the resolution clock pauses
    w.change(first_response_at=w.now, status=CaseStatus.PENDING_CUSTOMER)
    assert w.alarms() == {}
    w.at(30)  # the customer writes again: resolution resumes, a next-response clock starts
    w.svc.triage(
        message(id="101", conversation="100").model_copy(update={"created_at": w.now}), classified(), CONFIG
    )
    resumed = w.cases.get(w.case_id)
    assert resumed is not None and resumed.resolution_at_risk_at is not None
    assert w.alarms() == {
        NR: [timedelta(minutes=30 + 96)],
        RES: [resumed.resolution_at_risk_at - NOW],
    }
    w.at(40)
    w.change(status=CaseStatus.RESOLVED)
    assert w.alarms() == {}
    assert [kind for kind, *_ in w.rec.alarms.calls].count("set") == 4  # fr, res; then nr, res again
    assert w.rec.notices == [] and w.rec.breaches == []


def test_a_ringing_alarm_warns_then_sets_the_target_and_at_the_target_escalates_once() -> None:
    w = World()
    w.at(48)
    w.ring(FR)
    assert w.rec.notices == [(f"SLA at risk: case {w.case_id}", w.rec.notices[0][1])]
    assert w.alarms() == {FR: [timedelta(minutes=60)], RES: [timedelta(minutes=384)]}
    w.at(59)  # Scheduler rings no earlier than the alarm's time: the watch takes the ring's time as now
    w.ring(FR)
    case = w.cases.get(w.case_id)
    assert case is not None and case.sla_breaches == 1 and case.queue == "escalations"
    assert w.rec.breaches == [("acme", "billing", "P2")]
    assert w.alarms() == {RES: [timedelta(minutes=384)]}  # the first response is over; resolution goes on
    # A late, repeated ring of an alarm already dealt with changes nothing.
    w.svc.ring(w.case_id, FR, NOW + timedelta(minutes=60), lambda brand_id: CONFIG)
    assert w.cases.get(w.case_id).sla_breaches == 1  # type: ignore[union-attr]


def test_a_stale_ring_of_a_clock_that_moved_later_does_nothing() -> None:
    w = World()
    w.at(10)
    w.change(first_response_at=w.now, status=CaseStatus.PENDING_CUSTOMER)  # resolution paused
    w.at(400)  # past the resolution's at-risk moment as first set: a ring of that old alarm
    w.svc.ring(w.case_id, RES, NOW + timedelta(minutes=384), lambda brand_id: CONFIG)
    assert w.rec.notices == [] and w.alarms() == {}


def test_only_a_clock_whose_moment_moved_changes_its_alarm() -> None:
    w = World()
    before = w.cases.get(w.case_id)
    assert before is not None
    assert alarms.changes(before, before.model_copy(update={"skill": "refunds"})) == alarms.AlarmChanges()
    escalated = before.model_copy(update={"status": CaseStatus.CLOSED})
    change = alarms.changes(before, escalated)
    assert change.set == () and {a.clock for a in change.clear} == {FR, RES}


def test_a_case_saved_with_a_legacy_watch_token_still_wakes_its_execution() -> None:
    """A case opened before the upgrade: its watch execution's token on the case (the release before's
    clock_tokens) is woken by a change that moves its clock, as before, and the alarm follows too."""
    w = World()
    case = w.cases.get(w.case_id)
    assert case is not None
    w.cases.save(case.model_copy(update={"clock_tokens": {RES: "legacy-token"}}))
    w.at(10)
    w.change(first_response_at=w.now, status=CaseStatus.PENDING_CUSTOMER)
    assert [token for token, _ in w.rec.signals] == ["legacy-token"]
    assert w.cases.get(w.case_id).clock_tokens == {}  # type: ignore[union-attr]


def test_a_retried_triage_step_sets_the_alarms_its_first_attempt_could_not() -> None:
    w = World()
    w.at(10)
    w.change(first_response_at=w.now, status=CaseStatus.PENDING_CUSTOMER)
    later = message(id="101", conversation="100").model_copy(update={"created_at": w.now})
    real_set, failed = w.rec.alarms.set, []

    def unavailable(case_id: str, clock: str, at: object) -> None:
        failed.append(clock)
        raise RuntimeError("Scheduler unavailable")

    w.rec.alarms.set = unavailable  # type: ignore[method-assign,assignment]
    with pytest.raises(RuntimeError):
        w.svc.triage(later, classified(), CONFIG)  # saved, then the alarm failed: Step Functions retries
    assert failed and w.alarms() == {}
    w.rec.alarms.set = real_set  # type: ignore[method-assign]
    w.svc.triage(later, classified(), CONFIG)
    assert sorted(w.alarms()) == [NR, RES]
