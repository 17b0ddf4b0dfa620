"""The survey store on moto and on DynamoDB Local."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from carebird.followup.model import Survey, SurveyStatus
from carebird.storage.surveys import DynamoSurveyStore
from tests.integration.storage.conftest import Engine

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def survey(case: str, due: datetime) -> Survey:
    return Survey(
        case_id=case, brand_id="1000", brand_handle="AcmeHelp", customer_id="42", customer_handle="alice",
        reply_to_tweet_id="555", due_at=due,
    )  # fmt: skip


def test_one_survey_per_case_due_in_order_and_finished_once(engine: Engine) -> None:
    store = DynamoSurveyStore(engine.table_name, host=engine.host)
    assert store.schedule(survey("c2", NOW - timedelta(minutes=1)))
    assert store.schedule(survey("c1", NOW - timedelta(minutes=5)))
    assert store.schedule(survey("c3", NOW + timedelta(minutes=5)))
    assert not store.schedule(survey("c1", NOW))  # a duplicate trigger
    assert [s.case_id for s in store.due(NOW, 10)] == ["c1", "c2"]
    sent = survey("c1", NOW).model_copy(update={"status": SurveyStatus.SENT, "sent_at": NOW, "channel": "dm"})
    assert store.finish(sent) is True
    assert store.finish(sent) is False  # a concurrent sweep already finished it
    assert [s.case_id for s in store.due(NOW, 10)] == ["c2"]
    stored = store.get("c1")
    assert stored is not None and stored.status is SurveyStatus.SENT and stored.channel == "dm"


def test_a_sent_survey_is_found_by_customer_and_expires_by_its_answer_time(engine: Engine) -> None:
    store = DynamoSurveyStore(engine.table_name, host=engine.host)
    store.schedule(survey("c1", NOW))
    sent = survey("c1", NOW).model_copy(
        update={"status": SurveyStatus.SENT, "sent_at": NOW, "answer_by": NOW + timedelta(hours=72)}
    )
    assert store.finish(sent)
    waiting = store.awaiting_answer("1000", "42")
    assert waiting is not None and waiting.case_id == "c1"
    assert store.expired(NOW, 10) == []
    assert [s.case_id for s in store.expired(NOW + timedelta(hours=73), 10)] == ["c1"]
    answered = sent.model_copy(update={"status": SurveyStatus.ANSWERED, "score": 4})
    assert store.record(answered) is True
    assert store.record(answered) is False  # recorded once
    assert store.awaiting_answer("1000", "42") is None
    assert store.csat("c1") == 4 and store.csat("c9") is None  # the inbox's customer panel reads it
    assert store.expired(NOW + timedelta(hours=73), 10) == []
