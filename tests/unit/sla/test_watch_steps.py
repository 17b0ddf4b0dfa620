"""The SLA watch's two steps, Await (await_clock) and Evaluate (evaluate), and the wakes of a change: each
of a clock's moments is one look, a moved clock is looked at again, a stopped one ends the watch."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from carebird.brands.desk import load_triage_config
from carebird.cases.model import CaseStatus, ClockWatch
from carebird.cases.ports import CaseConflict
from carebird.sla import clocks
from carebird.sla.ports import WATCH_TOKEN_PREFIX, SlaSignals, watch_key
from carebird.sla.wakes import wake
from carebird.triage.service import TriageService
from tests.support.sla_fakes import FakeClockAlarm
from tests.support.triage_fakes import NOW, FakeAgents, FakeCases, FixedPriority, agent, classified, message

CONFIG = load_triage_config(None)  # P2: first response 60 (at risk 48), resolution 480 (at risk 384) minutes


class Signals:
    """Which signal each token got: look (look again) or finished."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.notices: list[str] = []
        self.breaches: list[tuple[str, str, str]] = []

    def look_again(self, task_token: str, output: dict[str, Any]) -> None:
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
        self.sla = SlaSignals(alarm=FakeClockAlarm(), legacy=self.signals)
        self.svc = TriageService(
            self.cases, FakeAgents([agent("ana"), agent("esc", skills=("escalations",))]), FixedPriority(),
            clock=lambda: self.now, signals=self.sla, notifier=self.signals, sla_metrics=self.signals,
        )  # fmt: skip

    def at(self, minutes: float) -> None:
        self.now = NOW + timedelta(minutes=minutes)


def test_the_first_response_watch_looks_once_at_risk_once_at_the_target_then_follows_resolution() -> None:
    w = World()
    outcome = w.svc.triage(message(), classified(), CONFIG)
    # What the triage workflow of the release before handed its watch (a legacy execution's state).
    watch = ClockWatch(clock=clocks.FIRST_RESPONSE, wait_seconds=outcome.at_risk_in_seconds)
    assert watch.wait_seconds == 48 * 60
    assert w.svc.await_clock(outcome.case_id, watch, "t1") is True
    stored = w.cases.get(outcome.case_id)
    key = watch_key(WATCH_TOKEN_PREFIX + "t1")
    assert stored is not None and stored.watched == {clocks.FIRST_RESPONSE: key}
    assert w.cases.watch_token(outcome.case_id, clocks.FIRST_RESPONSE, key) == WATCH_TOKEN_PREFIX + "t1"

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
    w.at(10)
    answered = w.svc.evaluate(outcome.case_id, ClockWatch(clock=clocks.FIRST_RESPONSE), True, CONFIG)
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
    resolution = w.svc.evaluate(case_id, ClockWatch(clock=clocks.FIRST_RESPONSE), True, CONFIG)
    assert w.svc.await_clock(case_id, resolution, "res") is True
    case = w.cases.get(case_id)
    assert case is not None and case.watched == {clocks.RESOLUTION: watch_key(WATCH_TOKEN_PREFIX + "res")}
    paused, woken = clocks.settle(
        case, case.model_copy(update={"status": CaseStatus.PENDING_CUSTOMER}), w.now, CONFIG
    )
    wake(w.sla, w.cases, w.cases.save(paused), woken)
    assert w.signals.sent == [("look", WATCH_TOKEN_PREFIX + "res")]

    looked = w.svc.evaluate(case_id, resolution, True, CONFIG)
    assert w.svc.await_clock(case_id, looked, "res2") is True
    paused = w.cases.get(case_id)
    assert paused is not None
    resolved, woken = clocks.settle(
        paused, paused.model_copy(update={"status": CaseStatus.RESOLVED}), w.now, CONFIG
    )
    wake(w.sla, w.cases, w.cases.save(resolved), woken)
    assert w.signals.sent[-1] == ("finished", WATCH_TOKEN_PREFIX + "res2")


def test_a_change_that_moves_no_watched_clock_reads_no_token() -> None:
    w = World()
    case_id = w.svc.triage(message(), classified(), CONFIG).case_id
    resolution = w.svc.evaluate(case_id, ClockWatch(clock=clocks.FIRST_RESPONSE), True, CONFIG)
    assert w.svc.await_clock(case_id, resolution, "res") is True
    case = w.cases.get(case_id)
    assert case is not None
    w.cases.watch_tokens.clear()  # a wake that read the token would now find none and send nothing
    noted, woken = clocks.settle(case, case.model_copy(update={"skill": "refunds"}), w.now, CONFIG)
    assert woken == [] and noted.watched == case.watched


def test_a_case_saved_by_the_release_before_still_wakes_and_its_next_await_writes_only_the_new_form() -> None:
    w = World()
    case_id = w.svc.triage(message(), classified(), CONFIG).case_id
    resolution = w.svc.evaluate(case_id, ClockWatch(clock=clocks.FIRST_RESPONSE), True, CONFIG)
    case = w.cases.get(case_id)
    assert case is not None
    legacy = WATCH_TOKEN_PREFIX + "old"  # the token itself on the case, as the release before kept it
    case = w.cases.save(case.model_copy(update={"clock_tokens": {clocks.RESOLUTION: legacy}}))
    paused, woken = clocks.settle(
        case, case.model_copy(update={"status": CaseStatus.PENDING_CUSTOMER}), w.now, CONFIG
    )
    assert paused.clock_tokens == {} and paused.watched == {}
    wake(w.sla, w.cases, w.cases.save(paused), woken)
    assert w.signals.sent == [("look", legacy)]

    # Another legacy token on the case: the clock's next Await moves it out, keeping the new token beside.
    case = w.cases.get(case_id)
    assert case is not None
    w.cases.save(case.model_copy(update={"clock_tokens": {clocks.RESOLUTION: legacy}}))
    looked = w.svc.evaluate(case_id, resolution, True, CONFIG)
    assert w.svc.await_clock(case_id, looked, "new") is True
    stored = w.cases.get(case_id)
    key = watch_key(WATCH_TOKEN_PREFIX + "new")
    assert stored is not None and stored.clock_tokens == {} and stored.watched == {clocks.RESOLUTION: key}
    assert w.cases.watch_token(case_id, clocks.RESOLUTION, key) == WATCH_TOKEN_PREFIX + "new"


def test_an_await_racing_a_change_that_moves_its_clock_is_still_woken() -> None:
    """The change is saved between the Await's look at the case and its save: the Await's save loses
    (a conflict), it looks again, sees the clock moved and signals itself. No wake-up is lost."""
    w = World()
    case_id = w.svc.triage(message(), classified(), CONFIG).case_id
    resolution = w.svc.evaluate(case_id, ClockWatch(clock=clocks.FIRST_RESPONSE), True, CONFIG)
    real_save = w.cases.save
    raced: list[bool] = []

    def save_after_a_change(case: Any) -> Any:
        if not raced:  # the change lands first: the case is pending the customer, its clock paused
            raced.append(True)
            stored = w.cases.get(case_id)
            assert stored is not None
            paused, woken = clocks.settle(
                stored, stored.model_copy(update={"status": CaseStatus.PENDING_CUSTOMER}), w.now, CONFIG
            )
            wake(w.sla, w.cases, real_save(paused), woken)
            assert woken == []  # the Await had not yet marked the clock watched
        return real_save(case)

    w.cases.save = save_after_a_change  # type: ignore[method-assign]
    assert w.svc.await_clock(case_id, resolution, "tok") is False
    assert w.signals.sent == [("look", WATCH_TOKEN_PREFIX + "tok")]
    stored = w.cases.get(case_id)
    assert stored is not None and stored.watched == {}


def test_a_change_saved_after_an_await_kept_its_token_wakes_it() -> None:
    w = World()
    case_id = w.svc.triage(message(), classified(), CONFIG).case_id
    resolution = w.svc.evaluate(case_id, ClockWatch(clock=clocks.FIRST_RESPONSE), True, CONFIG)
    before = w.cases.get(case_id)  # the change read the case before the Await marked it watched
    assert before is not None
    assert w.svc.await_clock(case_id, resolution, "tok") is True
    paused, woken = clocks.settle(
        before, before.model_copy(update={"status": CaseStatus.PENDING_CUSTOMER}), w.now, CONFIG
    )
    try:
        w.cases.save(paused)
        raise AssertionError("a save from the version before the Await's must conflict")
    except CaseConflict:
        pass
    fresh = w.cases.get(case_id)
    assert fresh is not None
    paused, woken = clocks.settle(
        fresh, fresh.model_copy(update={"status": CaseStatus.PENDING_CUSTOMER}), w.now, CONFIG
    )
    wake(w.sla, w.cases, w.cases.save(paused), woken)
    assert w.signals.sent == [("look", WATCH_TOKEN_PREFIX + "tok")]
