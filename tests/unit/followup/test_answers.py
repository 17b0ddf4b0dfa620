from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from carebird.brands.desk import load_triage_config
from carebird.cases.model import CaseStatus
from carebird.followup.cases import FollowupCaseActions
from carebird.followup.model import Survey, SurveyStatus
from carebird.followup.service import SurveyAnswers
from carebird.triage.service import TriageService
from carebird.triage.steps import TriageStep
from tests.support.case_fakes import FakeCaseRepository, FakeRoster, FixedPriority
from tests.support.triage_fakes import classified, message

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class Answers:
    def __init__(self) -> None:
        self.items: dict[str, Survey] = {}

    def awaiting_answer(self, brand_id: str, customer_id: str) -> Survey | None:
        sent = [
            s for s in self.items.values() if s.status is SurveyStatus.SENT and s.customer_id == customer_id
        ]
        return sent[-1] if sent else None

    def expired(self, now: datetime, limit: int) -> list[Survey]:
        return [
            s for s in self.items.values() if s.status is SurveyStatus.SENT and (s.answer_by or now) <= now
        ]

    def record(self, survey: Survey) -> bool:
        if self.items[survey.case_id].status is not SurveyStatus.SENT:
            return False
        self.items[survey.case_id] = survey
        return True


class Metrics:
    def __init__(self) -> None:
        self.values: list[tuple[str, float]] = []

    def add_metric(self, name: str, unit: str, value: float) -> None:
        self.values.append((name, value))


def resolved_case(cases: FakeCaseRepository) -> str:
    svc = TriageService(cases, FakeRoster([]), FixedPriority(), clock=lambda: NOW)
    case_id = svc.triage(
        message(id="100", conversation="100"), classified(), load_triage_config(None)
    ).case_id
    stored = cases.get(case_id)
    assert stored is not None
    cases.save(stored.model_copy(update={"status": CaseStatus.RESOLVED}))
    return case_id


def wired(
    settings: dict[str, Any] | None = None,
) -> tuple[SurveyAnswers, Answers, FakeCaseRepository, Metrics, str]:
    cases, answers, metrics = FakeCaseRepository(), Answers(), Metrics()
    case_id = resolved_case(cases)
    answers.items[case_id] = Survey(
        case_id=case_id, brand_id="acme", brand_handle="AcmeHelp", customer_id="42", customer_handle="alice",
        reply_to_tweet_id="100", conversation_ids=("100",), status=SurveyStatus.SENT, due_at=NOW,
        sent_at=NOW, answer_by=NOW + timedelta(hours=72),
    )  # fmt: skip
    reader = SurveyAnswers(
        answers, FollowupCaseActions(cases), lambda _: settings or {}, metrics, lambda: NOW
    )
    return reader, answers, cases, metrics, case_id


def test_a_good_rating_is_recorded_once_as_csat() -> None:
    reader, answers, cases, metrics, case_id = wired()
    result = reader.answer("acme", "42", "5 ⭐ thanks!", "100", is_dm=False)
    assert result is not None and (result.score, result.reopened) == (5, False)
    assert answers.items[case_id].status is SurveyStatus.ANSWERED
    assert metrics.values == [("Csat", 5)]
    assert reader.answer("acme", "42", "5", "100", is_dm=False) is None  # nothing awaits an answer now
    case = cases.get(case_id)
    assert case is not None and case.status is CaseStatus.RESOLVED


def test_a_low_score_reopens_the_case_to_the_supervisors_queue() -> None:
    reader, _, cases, _, case_id = wired()
    result = reader.answer("acme", "42", "1, still no refund", None, is_dm=True)
    assert result is not None and result.reopened
    case = cases.get(case_id)
    assert case is not None and (case.status, case.queue) == (CaseStatus.QUEUED, "escalations")
    assert "CSAT 1/5" in case.decisions[-1].reason


def test_no_rating_is_kept_as_text_and_the_message_is_triaged_as_usual() -> None:
    reader, answers, _, metrics, case_id = wired()
    assert reader.answer("acme", "42", "my bag is lost now too", "100", is_dm=False) is None
    assert answers.items[case_id].answer == "my bag is lost now too"
    assert answers.items[case_id].status is SurveyStatus.SENT and metrics.values == []


def test_a_post_outside_the_case_conversation_is_not_an_answer() -> None:
    reader, _, _, _, _ = wired()
    assert reader.answer("acme", "42", "5", "999", is_dm=False) is None


def test_unanswered_surveys_close_their_case_after_the_timeout() -> None:
    reader, answers, cases, _, case_id = wired()
    answers.items[case_id] = answers.items[case_id].model_copy(
        update={"answer_by": NOW - timedelta(seconds=1)}
    )
    assert reader.expire() == 1
    case = cases.get(case_id)
    assert case is not None and case.status is CaseStatus.CLOSED and case.closed_reason == "survey unanswered"


def test_the_triage_step_puts_a_rating_on_the_surveyed_case() -> None:
    from carebird.brands import Brand

    reader, _, cases, _, case_id = wired()
    service = TriageService(cases, FakeRoster([]), FixedPriority(), clock=lambda: NOW)
    brand = Brand(handle="AcmeHelp", user_id="1000", credentials_secret="s")
    step = TriageStep(service, lambda _: brand, survey_answers=reader)
    post = {
        "id": "101",
        "author": {"id": "42"},
        "text": "4",
        "created_at": NOW.isoformat(),
        "conversation_id": "100",
    }
    outcome = step.run({"action": "close_noise", "state": {"brand_id": "1000", "mention": post}})
    assert outcome["case_id"] == case_id and outcome["threaded"] is True
    assert len(cases.cases) == 1
