"""What an agent sees of the first-response clock (carebird.casework.views.sla_clock)."""

from __future__ import annotations

from datetime import timedelta

from carebird.cases.model import CaseStatus
from carebird.casework.views import sla_clock
from tests.support.casework_fakes import NOW, CaseWorld


def test_the_first_response_clock_runs_breaches_and_stops(world: CaseWorld) -> None:
    case = world.open_case(due_in=timedelta(minutes=10))
    running = sla_clock(case, NOW + timedelta(minutes=4))
    assert (running.state, running.seconds_left, running.due_at) == (
        "running",
        360,
        NOW + timedelta(minutes=10),
    )
    late = sla_clock(case, NOW + timedelta(minutes=11))
    assert (late.state, late.seconds_left) == ("breached", -60)
    answered = case.model_copy(update={"first_response_at": NOW + timedelta(minutes=12), "sla_met": False})
    stopped = sla_clock(answered, NOW + timedelta(hours=1))
    assert (stopped.state, stopped.met, stopped.seconds_left) == ("breached", False, None)
    assert stopped.stopped_at == NOW + timedelta(minutes=12)
    on_time = answered.model_copy(update={"sla_met": True})
    assert sla_clock(on_time, NOW).state == "met"


def test_a_case_closed_without_an_answer_needs_none(world: CaseWorld) -> None:
    closed = world.open_case(status=CaseStatus.CLOSED)
    assert sla_clock(closed, NOW + timedelta(days=1)).state == "not_required"
