"""The SLA watch's two steps, Await (await_clock) and Evaluate (evaluate), and the wakes of a change: each
of a clock's moments is one look, a moved clock is looked at again, a stopped one ends the watch."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from carebird.brands.desk import load_triage_config
from carebird.cases.model import CaseStatus, ClockWatch
from carebird.sla import clocks
from carebird.sla.ports import WATCH_TOKEN_PREFIX
from carebird.sla.wakes import wake
from carebird.triage.service import TriageService
from tests.support.triage_fakes import NOW, FakeAgents, FakeCases, FixedPriority, agent, classified, message

CONFIG = load_triage_config(None)  # P2: first response 60 (at risk 48), resolution 480 (at risk 384) minutes


class Signals:
    """Which signal each token got: look (look again) or finished."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.notices: list[str] = []
        self.breaches: list[tuple[str, str, str]] = []

    def first_response(self, task_token: str, output: dict[str, Any]) -> None:
        self.sent.append(("look", task_token))

    def finished(self, task_token: str, output: dict[str, Any]) -> None:
        self.sent.append(("finished", task_token))

    def notify(self, subject: str, message: dict[str, Any]) -> None:
        self.notices.append(subject)

    def breach(self, brand_id: str, queue: str, priority: str) -> None:
        self.breaches.append((brand_id, queue, priority))


class World:
    def __init__(self) -> None:
        self.now = NOW
        self.cases, self.signals = FakeCases(), Signals()
        self.svc = TriageService(
            self.cases, FakeAgents([agent("ana"), agent("esc", skills=("escalations",))]), FixedPriority(),
            clock=lambda: self.now, signal=self.signals, notifier=self.signals, sla_metrics=self.signals,
        )  # fmt: skip

    def at(self, minutes: float) -> None:
        self.now = NOW + timedelta(minutes=minutes)


def test_the_first_response_watch_looks_once_at_risk_once_at_the_target_then_follows_resolution() -> None:
    w = World()
    outcome = w.svc.triage(message(), classified(), CONFIG)
    watch = outcome.watch
    assert watch == ClockWatch(clock=clocks.FIRST_RESPONSE, wait_seconds=48 * 60)
    assert w.svc.await_clock(outcome.case_id, watch, "t1") is True
    stored = w.cases.get(outcome.case_id)
    assert stored is not None and stored.first_response_task_token == WATCH_TOKEN_PREFIX + "t1"

    w.at(48)  # Await timed out at the at-risk moment
    watch = w.svc.evaluate(outcome.case_id, watch, False, CONFIG)
    assert watch == ClockWatch(clock=clocks.FIRST_RESPONSE, wait_seconds=12 * 60)
    assert w.signals.notices == [f"SLA at risk: case {outcome.case_id}"] and w.signals.breaches == []

    w.at(60)  # and at the target: escalated, then the resolution clock (at risk at 384 minutes)
    watch = w.svc.evaluate(outcome.case_id, watch, False, CONFIG)
    assert (watch.clock, watch.wait_seconds, watch.stopped) == (clocks.RESOLUTION, 324 * 60, False)
    assert w.signals.breaches == [("acme", "billing", "P2")]
    case = w.cases.get(outcome.case_id)
    assert case is not None and case.queue == "escalations" and case.sla_breaches == 1


def test_woken_by_the_first_reply_the_watch_follows_the_resolution_clock_without_a_breach() -> None:
    w = World()
    outcome = w.svc.triage(message(), classified(), CONFIG)
    assert outcome.watch is not None
    w.at(10)
    answered = w.svc.evaluate(outcome.case_id, outcome.watch, True, CONFIG)
    assert (answered.clock, answered.wait_seconds) == (clocks.RESOLUTION, 374 * 60)
    assert answered.fingerprint is not None and w.signals.breaches == [] and w.signals.notices == []


def test_a_stopped_clock_ends_the_watch_and_a_clock_stopped_meanwhile_ends_it_at_once() -> None:
    w = World()
    case_id = w.svc.triage(message(), classified(), CONFIG).case_id
    resolution = w.svc.evaluate(case_id, ClockWatch(clock=clocks.FIRST_RESPONSE), True, CONFIG)
    case = w.cases.get(case_id)
    assert case is not None
    resolved, _ = clocks.settle(case, case.model_copy(update={"status": CaseStatus.RESOLVED}), w.now, CONFIG)
    w.cases.save(resolved)
    stopped = w.svc.evaluate(case_id, resolution, True, CONFIG)
    assert stopped.stopped
    assert w.svc.await_clock(case_id, stopped, "t2") is False
    assert w.signals.sent == [("finished", WATCH_TOKEN_PREFIX + "t2")]
    # An Await that was handed a clock since stopped (its fingerprint changed) ends too.
    assert w.svc.await_clock(case_id, resolution, "t3") is False
    assert w.signals.sent[-1] == ("finished", WATCH_TOKEN_PREFIX + "t3")


def test_a_change_wakes_the_watch_of_a_moved_clock_to_look_again_and_ends_that_of_a_stopped_one() -> None:
    w = World()
    case_id = w.svc.triage(message(), classified(), CONFIG).case_id
    case = w.cases.get(case_id)
    assert case is not None
    case = w.cases.save(case.model_copy(update={"clock_tokens": {clocks.RESOLUTION: "res"}}))
    paused, tokens = clocks.settle(
        case, case.model_copy(update={"status": CaseStatus.PENDING_CUSTOMER}), w.now, CONFIG
    )
    wake(w.signals, case, w.cases.save(paused), tokens)
    assert w.signals.sent == [("look", "res")]

    paused = w.cases.get(case_id)
    assert paused is not None
    paused = w.cases.save(paused.model_copy(update={"clock_tokens": {clocks.RESOLUTION: "res2"}}))
    resolved, tokens = clocks.settle(
        paused, paused.model_copy(update={"status": CaseStatus.RESOLVED}), w.now, CONFIG
    )
    wake(w.signals, paused, w.cases.save(resolved), tokens)
    assert w.signals.sent[-1] == ("finished", "res2")
