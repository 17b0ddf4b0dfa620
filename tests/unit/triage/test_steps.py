from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from carebird.brands import Brand
from carebird.brands.desk import TriageConfigError
from carebird.cases.model import CaseStatus, Channel
from carebird.sla.ports import watch_key
from carebird.triage.service import TriageService
from carebird.triage.steps import BrandNotFound, TriageStep
from tests.support.triage_fakes import FakeAgents, FakeCases, FixedPriority

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
BRAND = Brand(handle="AcmeHelp", user_id="1000", credentials_secret="s")
MENTION = {
    "id": "555",
    "author": {"id": "42", "username": "alice", "name": "Alice", "followers_count": 1200, "verified": True},
    "text": "@AcmeHelp charged twice for my ticket",
    "created_at": "2026-11-23T09:58:00+00:00",
    "conversation_id": "555",
    "referenced": [],
    "lang": "en",
    "public_metrics": {"retweet_count": 3, "like_count": 7},
}
BILLING = {
    "sentiment": {"label": "negative", "confidence": 0.9},
    "skill": {"label": "billing", "confidence": 0.9},
    "needs_response": {"value": True, "confidence": 0.9},
}


def step() -> tuple[TriageStep, FakeCases]:
    cases = FakeCases()
    service = TriageService(cases, FakeAgents([]), FixedPriority(), clock=lambda: NOW)
    return TriageStep(service, lambda brand_id: BRAND if brand_id == "1000" else None), cases


def event(action: str, **state: Any) -> dict[str, Any]:
    return {"action": action, "state": {"brand_id": "1000", "ingested_at": NOW.isoformat(), **state}}


def test_a_mention_becomes_a_case_with_its_customer_and_engagement() -> None:
    triage, cases = step()
    outcome = triage.run(event("triage", mention=MENTION, classified={"value": BILLING}))
    assert outcome["queue"] == "billing" and outcome["status"] == "queued"
    case = cases.get(outcome["case_id"])
    assert case is not None
    assert (case.customer.username, case.customer.followers, case.customer.verified) == ("alice", 1200, True)
    assert case.first_message_at == datetime(2026, 11, 23, 9, 58, tzinfo=UTC)
    assert cases.messages(case.id)[0].engagement == {"retweet_count": 3, "like_count": 7}


def test_a_dm_arrives_on_the_dm_channel() -> None:
    triage, cases = step()
    dm = {
        "id": "9001",
        "text": "hello?",
        "created_at": NOW.isoformat(),
        "sender": {"id": "42", "username": "alice"},
    }
    outcome = triage.run(event("triage", dm=dm, classified={"value": BILLING}))
    case = cases.get(outcome["case_id"])
    assert case is not None and case.channel is Channel.DM


def test_needs_human_keeps_the_error_from_step_functions() -> None:
    triage, cases = step()
    error = {"Error": "Lambda.Unknown", "Cause": "classifier exploded"}
    outcome = triage.run(event("needs_human", mention=MENTION, error=error))
    assert outcome["queue"] == "needs-human"
    case = cases.get(outcome["case_id"])
    assert case is not None and "Lambda.Unknown: classifier exploded" in case.decisions[0].reason


def test_close_noise_reads_the_classification_from_the_execution_state() -> None:
    triage, _ = step()
    spam = {"spam": {"value": True, "confidence": 0.99}}
    assert (
        triage.run(event("close_noise", mention=MENTION, classified={"value": spam}))["status"]
        == CaseStatus.CLOSED
    )


def test_an_unknown_brand_is_a_named_error() -> None:
    triage, _ = step()
    with pytest.raises(BrandNotFound, match="brand 77"):
        triage.run({"action": "triage", "state": {"brand_id": "77", "mention": MENTION}})


def test_a_state_with_neither_mention_nor_dm_is_rejected() -> None:
    triage, _ = step()
    with pytest.raises(ValueError, match="mention or a dm"):
        triage.run(event("triage"))


def test_needs_human_works_even_when_the_brands_triage_config_is_broken() -> None:
    cases = FakeCases()
    broken = Brand(
        handle="AcmeHelp", user_id="1000", credentials_secret="s", settings={"triage": {"skills": 1}}
    )
    service = TriageService(cases, FakeAgents([]), FixedPriority(), clock=lambda: NOW)
    triage = TriageStep(service, lambda _: broken)
    error = {"Error": "TriageConfigError", "Cause": "triage.skills: not a dict"}
    assert triage.run(event("needs_human", mention=MENTION, error=error))["queue"] == "needs-human"
    with pytest.raises(TriageConfigError):
        triage.run(event("triage", mention=MENTION, classified={"value": BILLING}))


def test_the_clock_steps_look_and_watch_through_the_execution_state() -> None:
    triage, cases = step()
    outcome = triage.run(event("triage", mention=MENTION, classified={"value": BILLING}))
    state = {"mention": MENTION, "outcome": {"value": outcome}}
    looked = triage.run({**event("sla_clock", **state), "clock": "resolution"})
    assert looked["state"] == "running" and looked["wait_seconds"] > 0
    watch = {
        **event("watch_clock", **state),
        "clock": "resolution",
        "token": "t",
        "fingerprint": looked["fingerprint"],
    }
    assert triage.run(watch) == {"waiting": True}
    assert cases.get(outcome["case_id"]).watched == {"resolution": watch_key("t")}  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ({}, "needs the clock"),
        ({"clock": "lunch"}, "clock"),
        ({"clock": "resolution", "action": "watch_clock"}, "Task token and the clock's fingerprint"),
    ],
)
def test_a_clock_step_without_what_it_needs_is_a_named_error(extra: dict[str, Any], error: str) -> None:
    triage, _ = step()
    outcome = triage.run(event("triage", mention=MENTION, classified={"value": BILLING}))
    request = {**event("sla_clock", mention=MENTION, outcome={"value": outcome}), **extra}
    with pytest.raises(ValueError, match=error):
        triage.run(request)


def test_the_watch_steps_await_and_evaluate_read_the_watch_the_execution_carries() -> None:
    triage, cases = step()
    outcome = triage.run(event("triage", mention=MENTION, classified={"value": BILLING}))
    # A watch execution of the release before carries what its triage handed it (this release starts none).
    first = {"clock": "first_response", "wait_seconds": outcome["at_risk_in_seconds"]}
    state = {"mention": MENTION, "outcome": {"value": {**outcome, "watch": first}}}
    assert outcome.get("watch") is None and outcome.get("watch_name") is None
    assert triage.run({**event("await", **state), "watch": first, "token": "t"}) == {"waiting": True}
    assert cases.get(outcome["case_id"]).watched == {"first_response": watch_key("watch:t")}  # type: ignore[union-attr]
    # Woken (the first reply): on to the resolution clock, the shape the ASL's ResultSelector reads.
    looked = triage.run({**event("evaluate", **state), "watch": first, "woken_by": "LookAgain"})
    assert set(looked) == {"clock", "instance", "wait_seconds", "fingerprint", "stopped"}
    assert looked["clock"] == "resolution" and not looked["stopped"]
    with pytest.raises(ValueError, match="the clock the SLA watch follows"):
        triage.run(event("evaluate", **state))


def test_a_ringing_alarm_does_what_its_clock_s_moment_asks_as_the_case_says() -> None:
    triage, cases = step()
    outcome = triage.run(event("triage", mention=MENTION, classified={"value": BILLING}))
    case = cases.get(outcome["case_id"])
    assert case is not None and case.first_response_due is not None
    due = case.first_response_due.isoformat()
    ring = {"sla_alarm": {"case_id": case.id, "clock": "first_response", "at": due}}
    # The alarm's time is when the watch looks, even if this sandbox's clock (NOW) says earlier.
    assert triage.run(ring) == {"case_id": case.id, "clock": "first_response", "found": True}
    escalated = cases.get(case.id)
    assert escalated is not None and escalated.sla_breaches == 1
    assert [d.value for d in escalated.decisions if d.kind == "sla_breach"] == ["first_response"]
    triage.run(ring)  # rung again (Scheduler retries, or a stale alarm): nothing twice
    assert cases.get(case.id).sla_breaches == 1  # type: ignore[union-attr]
    gone = {"sla_alarm": {"case_id": "1000-t404", "clock": "resolution", "at": due}}
    assert triage.run(gone)["found"] is False
    with pytest.raises(ValueError, match="clock"):
        triage.run({"sla_alarm": {"case_id": case.id, "clock": "lunch", "at": due}})
