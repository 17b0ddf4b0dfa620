"""Next-response and resolution clocks, and the pause while a case waits on the customer."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest

from carebird.brands.desk import DEFAULT_TRIAGE, TriageConfigError, load_triage_config
from carebird.cases.model import Case, CaseStatus
from carebird.sla import clocks, wakes
from carebird.sla.ports import watch_key
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


class World:
    def __init__(self, config: Any = CONFIG, agents: list[Any] | None = None) -> None:
        self.now = NOW
        self.config = config
        self.cases, self.rec = FakeCases(), Recorder()
        self.agents = FakeAgents(agents if agents is not None else [agent("ana")])
        self.svc = TriageService(
            self.cases, self.agents, FixedPriority(), clock=lambda: self.now,
            signals=self.rec.sla, notifier=self.rec, sla_metrics=self.rec,
        )  # fmt: skip

    def at(self, minutes: float) -> None:
        self.now = NOW + timedelta(minutes=minutes)

    def case(self, case_id: str) -> Case:
        case = self.cases.get(case_id)
        assert case is not None
        return case

    def write(self, id: str, minutes: float) -> Any:
        """The customer writes in the same conversation at NOW + minutes."""
        self.at(minutes)
        sent = message(id=id, conversation="100").model_copy(update={"created_at": self.now})
        return self.svc.triage(sent, classified(), self.config)

    def change(self, case_id: str, **changes: Any) -> Case:
        """What the agent API does to a case (reply: pending_customer; resolve), through the same rule."""
        before = self.case(case_id)
        after, wake = clocks.settle(before, before.model_copy(update=changes), self.now, self.config)
        saved = self.cases.save(after)
        wakes.after_save(self.rec.sla, self.cases, before, saved, wake)
        return saved

    def answer(self, case_id: str, minutes: float) -> Case:
        """The agent's reply at NOW + minutes: stops the response clocks, the case waits on the customer."""
        self.at(minutes)
        case = self.case(case_id)
        if case.first_response_at is None:
            return self.change(case_id, first_response_at=self.now, status=CaseStatus.PENDING_CUSTOMER)
        stopped, _ = clocks.stop_next_response(case, self.now, "ana")
        self.cases.save(stopped)
        return self.change(case_id, status=CaseStatus.PENDING_CUSTOMER)


def test_a_new_case_starts_its_resolution_clock_in_business_time() -> None:
    w = World()
    case = w.case(w.svc.triage(message(), classified(), CONFIG).case_id)
    assert case.resolution_due == NOW + timedelta(minutes=480)
    assert case.resolution_at_risk_at == NOW + timedelta(minutes=480 * 0.8)
    assert clocks.view(case, clocks.RESOLUTION, NOW) == {
        "state": "running", "due_at": (NOW + timedelta(minutes=480)).isoformat(), "seconds_left": 480 * 60,
    }  # fmt: skip


def test_the_resolution_clock_warns_once_then_escalates_once_at_its_moments() -> None:
    w = World(agents=[agent("ana"), agent("boss", skills=("escalations",), role="supervisor")])
    case_id = w.svc.triage(message(), classified(), CONFIG).case_id
    w.answer(case_id, 10)
    w.write("101", 20)  # the customer answers: the brand's turn again, clock running
    w.answer(case_id, 25)
    w.write("102", 30)
    step = w.svc.sla_clock(case_id, clocks.RESOLUTION, None, CONFIG)
    paused_for = 10 + 5  # pending 10..20 and 25..30
    risk = NOW + timedelta(minutes=384 + paused_for)
    assert step["state"] == "running" and step["wait_seconds"] == (risk - w.now).total_seconds()

    w.now = risk
    step = w.svc.sla_clock(case_id, clocks.RESOLUTION, None, CONFIG)
    assert step["wait_seconds"] == 96 * 60 and [s for s, _ in w.rec.notices] == [
        f"SLA at risk: case {case_id}"
    ]
    w.svc.sla_clock(case_id, clocks.RESOLUTION, None, CONFIG)  # a retried step: told once
    assert len(w.rec.notices) == 1

    w.now = NOW + timedelta(minutes=480 + paused_for)
    assert w.svc.sla_clock(case_id, clocks.RESOLUTION, None, CONFIG)["state"] == "stopped"
    assert w.svc.sla_clock(case_id, clocks.RESOLUTION, None, CONFIG)["state"] == "stopped"
    case = w.case(case_id)
    assert w.rec.breaches == [("acme", "billing", "P2")]
    assert (case.queue, case.priority, case.sla_breaches, case.assignee) == ("escalations", "P1", 1, "boss")
    breach = next(d for d in case.decisions if d.kind == "sla_breach")
    assert breach.value == "resolution@resolution" and "resolution due" in breach.reason


def test_waiting_on_the_customer_pauses_the_resolution_clock_and_a_wake_up_finds_it_paused() -> None:
    w = World()
    case_id = w.svc.triage(message(), classified(), CONFIG).case_id
    step = w.svc.sla_clock(case_id, clocks.RESOLUTION, None, CONFIG)
    assert w.svc.watch_clock(case_id, clocks.RESOLUTION, "tok-1", step["fingerprint"]) is True
    key = watch_key("tok-1")  # the case names the watched clock; the token is kept beside it
    assert w.case(case_id).watched == {clocks.RESOLUTION: key} and w.case(case_id).clock_tokens == {}
    assert w.cases.watch_tokens == {(case_id, clocks.RESOLUTION, key): "tok-1"}

    paused = w.answer(case_id, 100)
    assert paused.resolution_due is None and paused.resolution_left_s == 380 * 60
    assert w.rec.signals[-1][0] == "tok-1" and paused.watched == {}  # woken to look again
    assert any(d.kind == "sla_paused" for d in paused.decisions)
    assert clocks.view(paused, clocks.RESOLUTION, w.now) == {"state": "paused", "seconds_left": 380 * 60}
    step = w.svc.sla_clock(case_id, clocks.RESOLUTION, None, CONFIG)
    assert step == {
        "state": "paused", "wait_seconds": clocks.PAUSED_WAIT_SECONDS, "fingerprint": step["fingerprint"],
    }  # fmt: skip
    w.svc.watch_clock(case_id, clocks.RESOLUTION, "tok-2", step["fingerprint"])

    w.at(1000)  # the customer takes their time; none of it counts
    assert w.svc.sla_clock(case_id, clocks.RESOLUTION, None, CONFIG)["state"] == "paused"
    w.write("101", 1000)
    resumed = w.case(case_id)
    assert resumed.status is CaseStatus.ASSIGNED and resumed.assignee == "ana"
    assert resumed.resolution_due == w.now + timedelta(minutes=380)
    assert resumed.resolution_at_risk_at == w.now + timedelta(minutes=380 - 96)
    assert w.rec.signals[-1][0] == "tok-2"
    assert any(d.kind == "sla_resumed" for d in resumed.decisions)


def test_a_watch_that_missed_a_change_is_woken_at_once() -> None:
    w = World()
    case_id = w.svc.triage(message(), classified(), CONFIG).case_id
    seen = w.svc.sla_clock(case_id, clocks.RESOLUTION, None, CONFIG)["fingerprint"]
    w.answer(case_id, 5)  # paused between the look and the watch
    assert w.svc.watch_clock(case_id, clocks.RESOLUTION, "tok", seen) is False
    assert w.rec.signals[-1][0] == "tok" and w.case(case_id).watched == {}


def test_the_customer_writing_again_after_an_answer_starts_one_next_response_clock() -> None:
    w = World()
    first = w.svc.triage(message(), classified(), CONFIG)
    assert first.watch_clock is None  # the first response has its own watch
    w.answer(first.case_id, 10)
    again = w.write("101", 20)
    assert (again.watch_clock, again.clock_instance) == (clocks.NEXT_RESPONSE, w.now.isoformat())
    case = w.case(first.case_id)
    assert case.next_response_due == w.now + timedelta(minutes=120)
    assert case.next_response_at_risk_at == w.now + timedelta(minutes=96)
    assert w.rec.alarms.of(first.case_id)[clocks.NEXT_RESPONSE] == [w.now + timedelta(minutes=96)]
    assert w.write("102", 25).watch_clock is None  # the clock runs from the first unanswered message
    assert w.case(first.case_id).next_response_since == NOW + timedelta(minutes=20)


def test_an_unanswered_next_response_is_escalated_once_and_an_answered_one_stops() -> None:
    w = World()
    case_id = w.svc.triage(message(), classified(), CONFIG).case_id
    w.answer(case_id, 10)
    instance = w.write("101", 20).clock_instance
    w.at(20 + 96)
    step = w.svc.sla_clock(case_id, clocks.NEXT_RESPONSE, instance, CONFIG)
    assert step["state"] == "running" and step["wait_seconds"] == 24 * 60 and len(w.rec.notices) == 1
    w.at(20 + 120)
    assert w.svc.sla_clock(case_id, clocks.NEXT_RESPONSE, instance, CONFIG)["state"] == "stopped"
    assert w.svc.sla_clock(case_id, clocks.NEXT_RESPONSE, instance, CONFIG)["state"] == "stopped"
    assert len(w.rec.breaches) == 1 and w.case(case_id).queue == "escalations"

    answered = w.answer(case_id, 150)
    verdict = next(d for d in answered.decisions if d.kind == clocks.NEXT_RESPONSE)
    assert verdict.value == "missed" and "7800 s after the customer wrote" in verdict.reason
    assert answered.next_response_since is None
    later = w.write("102", 160).clock_instance
    assert w.svc.sla_clock(case_id, clocks.NEXT_RESPONSE, instance, CONFIG)["state"] == "stopped"  # old run
    assert w.svc.sla_clock(case_id, clocks.NEXT_RESPONSE, later, CONFIG)["state"] == "running"


def test_resolving_records_the_resolution_verdict_and_stops_every_clock() -> None:
    w = World()
    case_id = w.svc.triage(message(), classified(), CONFIG).case_id
    w.answer(case_id, 10)
    w.write("101", 20)
    step = w.svc.sla_clock(case_id, clocks.RESOLUTION, None, CONFIG)
    w.svc.watch_clock(case_id, clocks.RESOLUTION, "tok", step["fingerprint"])
    w.at(30)
    done = w.change(case_id, status=CaseStatus.RESOLVED)
    verdict = next(d for d in done.decisions if d.kind == clocks.RESOLUTION)
    assert verdict.value == "met" and "within the target" in verdict.reason
    # People read the reason in the inbox: the due time in UTC to the second, not an ISO timestamp.
    assert re.search(r"within the target due \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$", verdict.reason)
    assert (done.resolution_due, done.next_response_since) == (None, None)
    assert w.rec.signals[-1][0] == "tok"
    assert w.svc.sla_clock(case_id, clocks.RESOLUTION, None, CONFIG)["state"] == "stopped"
    assert w.svc.sla_clock(case_id, clocks.NEXT_RESPONSE, None, CONFIG)["state"] == "stopped"
    assert clocks.view(done, clocks.RESOLUTION, w.now) is None


def test_a_pause_overnight_keeps_only_business_time() -> None:
    raw = {**DEFAULT_TRIAGE, "queues": {**DEFAULT_TRIAGE["queues"]}}
    office = {
        "timezone": "UTC",
        "hours": {d: ["09:00", "17:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
    }
    raw["queues"]["billing"] = {"business_hours": office}
    config = load_triage_config({"triage": raw})
    w = World(config=config)
    case_id = w.svc.triage(message(), classified(), config).case_id  # Monday 10:00; 480 business minutes
    assert w.case(case_id).resolution_due == datetime(2026, 11, 24, 10, 0, tzinfo=NOW.tzinfo)
    paused = w.answer(case_id, 6 * 60)  # 16:00: 360 business minutes used, 120 left
    assert paused.resolution_left_s == 120 * 60
    w.write("101", 23 * 60)  # Tuesday 09:00
    assert w.case(case_id).resolution_due == datetime(2026, 11, 24, 11, 0, tzinfo=NOW.tzinfo)


def test_clock_settings_are_validated_with_the_field_named() -> None:
    raw = {
        **DEFAULT_TRIAGE,
        "sla": {**DEFAULT_TRIAGE["sla"], "P1": {"first_response_minutes": 30, "resolution_minutes": 10}},
    }
    with pytest.raises(TriageConfigError, match=r"triage\.sla\.P1: .*resolution_minutes"):
        load_triage_config({"triage": raw})
    w = World()
    case = w.case(w.svc.triage(message(), classified(), CONFIG).case_id)
    with pytest.raises(ValueError, match="unknown SLA clock 'lunch'"):
        clocks.fingerprint(case, "lunch")
