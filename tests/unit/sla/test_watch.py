from __future__ import annotations

from datetime import timedelta
from typing import Any

from carebird.brands.desk import load_triage_config
from carebird.cases.model import CaseStatus
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

CONFIG = load_triage_config(None)


def wired(
    scale: float = 1.0, agents: list[Any] | None = None
) -> tuple[TriageService, FakeCases, FakeAgents, Recorder]:
    cases, directory, rec = FakeCases(), FakeAgents(agents or []), Recorder()
    now = [NOW]
    svc = TriageService(
        cases, directory, FixedPriority(), clock=lambda: now[0],
        sla_clock_scale=scale, signals=rec.sla, notifier=rec, sla_metrics=rec,
    )  # fmt: skip
    return svc, cases, directory, rec


def test_a_new_case_tells_the_workflow_how_long_to_wait() -> None:
    svc, _, _, _ = wired()
    outcome = svc.triage(message(), classified(), CONFIG)  # P2: 60 minutes, at risk at 80%
    assert outcome.await_first_response
    assert (outcome.at_risk_in_seconds, outcome.breach_in_seconds) == (48 * 60, 60 * 60)


def test_the_sla_clock_scale_compresses_targets_consistently() -> None:
    svc, cases, _, _ = wired(scale=60)
    outcome = svc.triage(message(), classified(), CONFIG)
    assert (outcome.at_risk_in_seconds, outcome.breach_in_seconds) == (48, 60)
    case = cases.get(outcome.case_id)
    assert case is not None and case.first_response_due == NOW + timedelta(seconds=60)
    assert "60x faster" in next(d.reason for d in case.decisions if d.kind == "sla")


def test_threaded_messages_and_closed_cases_start_no_clock() -> None:
    svc, _, _, _ = wired()
    first = svc.triage(message(id="1", conversation="1"), classified(), CONFIG)
    assert first.await_first_response
    threaded = svc.triage(message(id="2", conversation="1"), classified(), CONFIG)
    assert not threaded.await_first_response
    spam = classified(spam={"value": True, "confidence": 0.99})
    closed = svc.close_noise(message(id="3", conversation="3"), spam, CONFIG)
    assert not closed.await_first_response


def test_the_token_is_kept_on_the_case_or_signalled_at_once_if_already_answered() -> None:
    svc, cases, _, rec = wired()
    case_id = svc.triage(message(), classified(), CONFIG).case_id
    assert svc.watch_first_response(case_id, "token-1") is True
    stored = cases.get(case_id)
    key = watch_key("token-1")  # the case names the watch; its token is kept beside the case
    assert stored is not None and stored.watched == {"first_response": key}
    assert (
        stored.first_response_task_token is None
        and cases.watch_token(case_id, "first_response", key) == "token-1"
    )
    cases.save(stored.model_copy(update={"first_response_at": NOW}))
    assert svc.watch_first_response(case_id, "token-2") is False
    assert rec.signals[-1][0] == "token-2"


def test_at_risk_tells_the_assignee_and_supervisors_once() -> None:
    boss = agent("boss", skills=(), role="supervisor")
    svc, _, _, rec = wired(agents=[agent("ana"), boss])
    case_id = svc.triage(message(), classified(), CONFIG).case_id
    assert svc.sla_at_risk(case_id) == 3600
    svc.sla_at_risk(case_id)  # a retried step
    assert len(rec.notices) == 1
    subject, notice = rec.notices[0]
    assert (
        subject.startswith("SLA at risk")
        and notice["assignee"] == "ana"
        and notice["supervisors"] == ["boss"]
    )


def test_a_breach_escalates_by_the_ladder_counts_and_frees_the_agent() -> None:
    svc, cases, directory, rec = wired(agents=[agent("ana"), agent("esc", skills=("escalations",))])
    outcome = svc.triage(message(), classified(), CONFIG)
    assert outcome.assignee == "ana" and directory.by_id["ana"].open_cases == 1
    escalated = svc.sla_breach(outcome.case_id, CONFIG)
    assert (escalated.queue, escalated.priority, escalated.assignee) == ("escalations", "P1", "esc")
    assert directory.by_id["ana"].open_cases == 0
    assert rec.breaches == [("acme", "billing", "P2")]
    assert svc.sla_breach(outcome.case_id, CONFIG).reason == "breach already escalated"
    assert rec.breaches == [("acme", "billing", "P2")]
    case = cases.get(outcome.case_id)
    assert case is not None and case.sla_breaches == 1 and case.status is CaseStatus.ASSIGNED


def test_no_breach_once_the_first_reply_came() -> None:
    svc, cases, _, rec = wired()
    case_id = svc.triage(message(), classified(), CONFIG).case_id
    stored = cases.get(case_id)
    assert stored is not None
    cases.save(stored.model_copy(update={"first_response_at": NOW + timedelta(minutes=5)}))
    assert svc.sla_breach(case_id, CONFIG).reason == "answered or closed before the breach"
    assert rec.breaches == []
