"""The DynamoDB adapters count each stored event once, and a report reads only its metric's counters."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import mock_aws

from carebird.cases.model import Case, CaseMessage, CaseStatus, Channel, Customer, Decision
from carebird.cases.ports import CaseConflict
from carebird.storage.cases import DynamoCaseStore
from carebird.storage.counters import DynamoReportCounters
from tests.support.carebird_table import create_carebird_table

TABLE = "carebird-reports"
T0 = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for key, value in {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        create_carebird_table(boto3.client("dynamodb", region_name="us-east-1"), TABLE)
        yield TABLE


def new_case(n: int) -> tuple[Case, CaseMessage]:
    case = Case(
        id=f"1000-t{n}",
        brand_id="1000",
        customer=Customer(id=f"9{n}"),
        channel=Channel.PUBLIC,
        status=CaseStatus.QUEUED,
        queue="billing",
        priority="P2",
        created_at=T0,
        updated_at=T0,
        first_message_at=T0,
        decisions=(Decision(at=T0, kind="queue", value="billing", reason="keyword refund"),),
    )
    message = CaseMessage(
        id=str(n), direction="in", channel=Channel.PUBLIC, author_id="9", text="hi", created_at=T0
    )
    return case, message


def test_a_created_case_and_its_first_reply_are_counted_once(table: str) -> None:
    store, counters = DynamoCaseStore(table), DynamoReportCounters(table)
    case, message = new_case(1)
    stored = store.create(case, message)
    store.create(case, message)  # a retried step: the case exists, nothing is counted again
    reply = Decision(at=T0 + timedelta(minutes=3), kind="first_response", value="met", reason="", by="ana")
    answered = store.save(stored.with_decision(reply))
    with pytest.raises(CaseConflict):
        store.save(stored.with_decision(reply))  # a stale copy loses the race and counts nothing
    assert answered.tallied == 2

    volume, cost = counters.read("1000", "volume", T0.date(), T0.date())
    assert [(t.queue, t.key, t.count) for t in volume] == [("billing", "09", 1)]
    assert cost.queries == 1 and cost.items == 1 and cost.read_units > 0
    sla, _ = counters.read("1000", "sla", T0.date(), T0.date())
    assert [(t.key, t.count) for t in sla] == [("first_response#met", 1)]
    waits, _ = counters.read("1000", "first_response", T0.date(), T0.date())
    assert [(t.key, t.count, t.total) for t in waits] == [("P2#300#met", 1, 180.0)]
    assert counters.read("1000", "sla", T0.date() + timedelta(days=1), T0.date() + timedelta(days=2))[0] == []
    assert counters.read("2000", "volume", T0.date(), T0.date())[0] == []


def test_concurrent_counts_add_up(table: str) -> None:
    store = DynamoCaseStore(table)
    for n in range(5):
        store.create(*new_case(n))
    (volume,), _ = DynamoReportCounters(table).read("1000", "volume", T0.date(), T0.date())
    assert volume.count == 5
