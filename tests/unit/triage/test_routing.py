from __future__ import annotations

from datetime import timedelta

import pytest

from carebird.brands.desk import DEFAULT_TRIAGE, load_triage_config
from carebird.cases.model import Agent, CaseStatus, Channel
from carebird.cases.ports import CaseConflict
from carebird.triage.service import TriageService, case_id_for
from tests.support.triage_fakes import NOW, FakeAgents, FakeCases, FixedPriority, agent, classified, message

CONFIG = load_triage_config(None)


def service(
    agents: list[Agent] | None = None, cases: FakeCases | None = None
) -> tuple[TriageService, FakeCases, FakeAgents]:
    cases = cases or FakeCases()
    directory = FakeAgents(agents or [])
    return TriageService(cases, directory, FixedPriority(), clock=lambda: NOW), cases, directory


def test_routes_to_the_skill_queue_and_the_least_loaded_agent_with_reasons() -> None:
    svc, cases, directory = service(
        [agent("busy", open_cases=1), agent("free"), agent("other", skills=("bookings",))]
    )
    outcome = svc.triage(message(), classified(), CONFIG)
    assert (outcome.queue, outcome.assignee, outcome.status) == ("billing", "free", CaseStatus.ASSIGNED)
    assert outcome.priority == "P2"
    assert outcome.first_response_due == NOW + timedelta(minutes=60)  # P2 target, 24/7 queue
    case = cases.get(outcome.case_id)
    assert case is not None
    kinds = {d.kind: d.reason for d in case.decisions}
    assert "billing" in kinds["queue"] and "confidence 0.90" in kinds["queue"]
    assert kinds["priority"] == "negative"
    assert "least loaded" in kinds["assignment"]
    assert directory.by_id["free"].open_cases == 1


def test_without_a_free_agent_the_case_waits_in_its_queue() -> None:
    svc, cases, _ = service([agent("full", open_cases=2), agent("away", available=False)])
    outcome = svc.triage(message(), classified(), CONFIG)
    assert (outcome.status, outcome.assignee, outcome.queue) == (CaseStatus.QUEUED, None, "billing")
    case = cases.get(outcome.case_id)
    assert case is not None and "waits in queue" in case.decisions[-1].reason


@pytest.mark.parametrize(
    ("classification", "reason_part"),
    [
        (classified(confidence=0.3), "below the brand's 0.50"),
        (classified(skill=None), "no skill recognised"),
        (classified(skill="astrology"), "'astrology' is not configured"),
    ],
)
def test_low_confidence_or_unknown_skill_goes_to_the_triage_queue(
    classification: dict, reason_part: str
) -> None:
    svc, cases, _ = service()
    outcome = svc.triage(message(), classification, CONFIG)
    assert outcome.queue == "triage"
    case = cases.get(outcome.case_id)
    assert case is not None and reason_part in case.decisions[0].reason


def test_a_language_the_skill_queue_does_not_serve_goes_to_the_fallback() -> None:
    raw = {**DEFAULT_TRIAGE, "queues": {**DEFAULT_TRIAGE["queues"], "billing": {"languages": ["en"]}}}
    config = load_triage_config({"triage": raw})
    svc, _, _ = service()
    outcome = svc.triage(message(), classified(language="es"), config)
    assert outcome.queue == "general"


def test_replies_in_the_same_conversation_join_the_open_case() -> None:
    svc, cases, _ = service([agent("ana")])
    first = svc.triage(message(id="100", conversation="100"), classified(), CONFIG)
    second = svc.triage(message(id="101", text="still waiting", conversation="100"), classified(), CONFIG)
    assert second.threaded and second.case_id == first.case_id
    assert [m.id for m in cases.messages(first.case_id)] == ["100", "101"]
    case = cases.get(first.case_id)
    assert case is not None and case.message_ids == ("100", "101") and case.assignee == "ana"
    assert case.decisions[-1].kind == "threaded"


def test_a_dm_from_the_customer_joins_their_open_case() -> None:
    svc, cases, _ = service()
    public = svc.triage(message(id="100", conversation="100"), classified(), CONFIG)
    dm = svc.triage(message(id="9001", conversation=None, channel=Channel.DM), classified(), CONFIG)
    assert dm.threaded and dm.case_id == public.case_id
    assert cases.messages(public.case_id)[-1].channel is Channel.DM


def test_the_case_keeps_the_customers_first_and_latest_words_for_the_inbox() -> None:
    svc, cases, _ = service()
    first = svc.triage(message(id="100", text="I was charged twice"), classified(), CONFIG)
    for n in range(1, 7):
        svc.triage(message(id=f"10{n}", text=f"follow-up {n} " + "x" * 600), classified(), CONFIG)
    case = cases.get(first.case_id)
    assert case is not None and len(case.message_ids) == 7
    assert case.customer_texts[0] == "I was charged twice"  # the first message stays
    assert [t.split()[1] for t in case.customer_texts[1:]] == ["3", "4", "5", "6"]  # then the latest four
    assert all(len(t) <= 500 for t in case.customer_texts)


def test_a_message_after_the_case_is_closed_opens_a_new_case() -> None:
    svc, cases, _ = service()
    first = svc.triage(message(id="100", conversation="100"), classified(), CONFIG)
    stored = cases.get(first.case_id)
    assert stored is not None
    cases.save(stored.model_copy(update={"status": CaseStatus.RESOLVED}))
    again = svc.triage(message(id="102", conversation="100"), classified(), CONFIG)
    assert not again.threaded and again.case_id != first.case_id


def test_spam_is_closed_automatically_and_praise_goes_to_the_acknowledge_lane() -> None:
    svc, cases, _ = service()
    spam = svc.close_noise(
        message(id="200", conversation="200"), classified(spam={"value": True, "confidence": 0.97}), CONFIG
    )
    assert spam.status is CaseStatus.CLOSED
    closed = cases.get(spam.case_id)
    assert closed is not None and closed.closed_reason == "closed automatically: spam (confidence 0.97)"
    thanks = classified(needs_response={"value": False, "confidence": 0.8})
    praise = svc.close_noise(message(id="300", conversation="300", text="love you"), thanks, CONFIG)
    # By default nobody's praise is closed unseen: a P4 case in the acknowledge lane, with a P4 SLA.
    assert praise.status is CaseStatus.QUEUED
    assert (praise.queue, praise.priority) == ("acknowledge", "P4")
    assert praise.first_response_due is not None
    # "thanks, that fixed it" inside an open conversation is part of that case, not a new closed one
    open_case = svc.triage(message(id="400", conversation="400"), classified(), CONFIG)
    reply = svc.close_noise(message(id="401", conversation="400", text="thanks!"), thanks, CONFIG)
    assert reply.threaded and reply.case_id == open_case.case_id


def test_a_brand_may_opt_in_to_closing_praise() -> None:
    config = load_triage_config({"triage": {**DEFAULT_TRIAGE, "close_no_action": True}})
    svc, cases, _ = service()
    outcome = svc.close_noise(
        message(), classified(needs_response={"value": False, "confidence": 0.9}), config
    )
    assert outcome.status is CaseStatus.CLOSED
    closed = cases.get(outcome.case_id)
    assert closed is not None and "the brand closes praise" in (closed.closed_reason or "")


def test_a_brand_config_without_the_acknowledge_queue_gets_one() -> None:
    config = load_triage_config({"triage": {**DEFAULT_TRIAGE, "acknowledge_queue": "thanks"}})
    assert "thanks" in config.queues


def test_every_step_is_idempotent_when_step_functions_retries_it() -> None:
    svc, cases, directory = service([agent("ana")])
    first = svc.triage(message(), classified(), CONFIG)
    again = svc.triage(message(), classified(), CONFIG)
    assert again.case_id == first.case_id
    assert len(cases.cases) == 1 and len(cases.messages(first.case_id)) == 1
    assert directory.by_id["ana"].open_cases == 1  # capacity taken once


def test_a_retried_thread_step_finishes_recording_the_message() -> None:
    svc, cases, _ = service()
    first = svc.triage(message(id="100"), classified(), CONFIG)
    cases.conflicts_to_inject = 10  # the thread step crashes after appending the message
    with pytest.raises(CaseConflict):  # the step fails, and Step Functions will retry it
        svc.triage(message(id="101", conversation="100"), classified(), CONFIG)
    cases.conflicts_to_inject = 0
    retried = svc.triage(message(id="101", conversation="100"), classified(), CONFIG)
    case = cases.get(first.case_id)
    assert retried.threaded and case is not None and case.message_ids == ("100", "101")
    assert [m.id for m in cases.messages(first.case_id)] == ["100", "101"]


def test_viral_engagement_raises_the_priority_of_the_open_case() -> None:
    svc, cases, _ = service()
    first = svc.triage(message(id="100"), classified(), CONFIG)
    assert first.priority == "P2"
    svc.triage(
        message(id="101", conversation="100", engagement={"retweet_count": 5000}), classified(), CONFIG
    )
    case = cases.get(first.case_id)
    assert case is not None and case.priority == "P1"
    assert case.decisions[-1].kind == "priority" and "raised from P2" in case.decisions[-1].reason


def test_classifier_failure_sends_the_message_to_people() -> None:
    svc, cases, _ = service()
    outcome = svc.needs_human(message(), "ClassifierCrashed: boom", CONFIG)
    assert outcome.queue == "needs-human" and outcome.status is CaseStatus.QUEUED
    case = cases.get(outcome.case_id)
    assert case is not None and "triage failed: ClassifierCrashed: boom" in case.decisions[0].reason


def test_case_ids_differ_between_posts_and_dms_with_the_same_number() -> None:
    assert case_id_for(message(id="5")) != case_id_for(message(id="5", channel=Channel.DM))


def test_the_triage_queue_is_sorted_only_by_agents_who_do_triage() -> None:
    svc, _, _ = service([agent("billing-only")])
    waiting = svc.triage(message(id="1"), classified(skill=None), CONFIG)
    assert (waiting.queue, waiting.assignee) == ("triage", None)
    svc, _, _ = service([agent("sorter", skills=("triage",))])
    assert svc.triage(message(id="2"), classified(skill=None), CONFIG).assignee == "sorter"
