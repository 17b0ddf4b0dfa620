"""The reports' counters on moto and on DynamoDB Local: each stored event counted once (case changes, CSAT
answers, routing corrections), and a report reading only its metric's days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from carebird.cases.model import Case, CaseMessage, CaseStatus, Channel, Customer, Decision
from carebird.casework.model import RoutingCorrection
from carebird.followup.model import Survey, SurveyStatus
from carebird.storage.cases import DynamoCaseStore
from carebird.storage.casework import DynamoCorrectionLog
from carebird.storage.counters import DynamoReportCounters
from carebird.storage.surveys import DynamoSurveyStore
from tests.integration.storage.conftest import Engine

T0 = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
DAY = T0.date()


def new_case(n: int) -> tuple[Case, CaseMessage]:
    case = Case(
        id=f"1000-t{n}", brand_id="1000", customer=Customer(id=f"9{n}"), channel=Channel.PUBLIC,
        status=CaseStatus.QUEUED, queue="billing", priority="P2", created_at=T0, updated_at=T0,
        first_message_at=T0, conversation_ids=(str(n),),
    )  # fmt: skip
    message = CaseMessage(
        id=str(n), direction="in", channel=Channel.PUBLIC, author_id="9", text="refund", created_at=T0
    )
    return case, message


def test_case_changes_count_once_and_reports_read_their_metric(engine: Engine) -> None:
    store = DynamoCaseStore(engine.table_name, host=engine.host)
    counters = DynamoReportCounters(engine.table_name, host=engine.host)
    stored = [store.create(*new_case(n)) for n in range(3)]
    store.create(*new_case(0))  # a retried triage step
    breach = Decision(at=T0 + timedelta(hours=1), kind="sla_breach", value="first_response", reason="")
    breached = store.save(stored[0].with_decision(breach))
    late = Decision(at=T0 + timedelta(hours=2), kind="first_response", value="missed", reason="", by="ana")
    store.save(breached.with_decision(late))  # the breach already counted the miss
    met = Decision(at=T0 + timedelta(minutes=2), kind="first_response", value="met", reason="", by="ana")
    store.save(stored[1].with_decision(met))

    volume, cost = counters.read("1000", "volume", DAY, DAY)
    assert [(t.queue, t.key, t.count) for t in volume] == [("billing", "09", 3)]
    assert cost.queries == 1 and cost.items == 1 and 0 < cost.bytes < 200 and cost.read_units == 0.5
    sla, _ = counters.read("1000", "sla", DAY, DAY)
    assert sorted((t.key, t.count) for t in sla) == [("first_response#met", 1), ("first_response#missed", 1)]
    waits, _ = counters.read("1000", "first_response", DAY, DAY)
    assert sorted((t.key, t.count) for t in waits) == [("P2#300#met", 1), ("P2#7200#missed", 1)]
    assert counters.read("1000", "sla", DAY + timedelta(days=1), DAY + timedelta(days=9))[0] == []


def test_a_csat_answer_and_a_correction_count_once(engine: Engine) -> None:
    counters = DynamoReportCounters(engine.table_name, host=engine.host)
    surveys = DynamoSurveyStore(engine.table_name, host=engine.host)
    sent = Survey(
        case_id="1000-t1", brand_id="1000", brand_handle="AcmeHelp", customer_id="9", customer_handle="al",
        reply_to_tweet_id=None, due_at=T0, status=SurveyStatus.SENT, sent_at=T0, queue="billing",
    )  # fmt: skip
    surveys.schedule(sent)
    answered = sent.model_copy(update={"status": SurveyStatus.ANSWERED, "score": 2, "answered_at": T0})
    assert surveys.record(answered) is True
    assert surveys.record(answered) is False  # a retried step: refused, not counted
    (csat,), _ = counters.read("1000", "csat", DAY, DAY)
    assert (csat.queue, csat.key, csat.count) == ("billing", "2", 1)

    log = DynamoCorrectionLog(engine.table_name, host=engine.host)
    correction = RoutingCorrection(
        id="c1", brand_id="1000", case_id="1000-t1", kind="queue", text="refund", language="en",
        classification={}, original_queue="triage", original_skill=None, corrected_queue="billing",
        corrected_skill="billing", original_assignee=None, corrected_assignee=None, agent_id="sue",
        reason="", at=T0,
    )  # fmt: skip
    log.record(correction)
    log.record(correction)
    (moved,), _ = counters.read("1000", "correction", DAY, DAY)
    assert (moved.queue, moved.key, moved.count) == ("triage", "queue", 1)
