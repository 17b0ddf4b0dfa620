"""What case work adds to the store, on the unit tests' fakes, moto and DynamoDB Local: claims, listings,
delivery snapshots, routing corrections and canned responses."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from carebird.cases.model import Agent, CaseMessage, CaseStatus, Channel
from carebird.casework.model import CannedResponse, RoutingCorrection
from carebird.storage.casework import DynamoCannedResponses, DynamoCorrectionLog
from tests.integration.storage.conftest import (
    FAKE_AND_ENGINES,
    AnyAgentStore,
    AnyCaseStore,
    CaseStores,
    fake_or_adapter,
)
from tests.integration.storage.test_case_store import NOW, case, msg
from tests.support.casework_fakes import FakeCanned, FakeCorrections


@pytest.fixture
def store(case_stores: CaseStores) -> AnyCaseStore:
    return case_stores.cases


@pytest.fixture
def agents(case_stores: CaseStores) -> AnyAgentStore:
    return case_stores.agents


def correction(case_id: str, at: datetime, id: str = "c1", **kw: object) -> RoutingCorrection:
    data: dict[str, object] = {
        "id": id, "brand_id": "acme", "case_id": case_id, "kind": "queue", "text": "the app crashes",
        "original_queue": "billing", "original_skill": "billing", "corrected_queue": "technical",
        "corrected_skill": "technical", "agent_id": "ana", "at": at, **kw,
    }  # fmt: skip
    return RoutingCorrection.model_validate(data)


def test_take_decides_one_holder_without_the_capacity_check(agents: AnyAgentStore) -> None:
    ana = Agent(id="ana", brand_id="acme", skills=("billing",), capacity=1)
    ben = Agent(id="ben", brand_id="acme", skills=("billing",))
    agents.put(ana)
    agents.put(ben)
    assert agents.take(ana, "acme-t1", NOW) == "ana"
    assert agents.take(ana, "acme-t2", NOW) == "ana"  # past capacity: a person chose it
    assert agents.take(ben, "acme-t1", NOW) == "ana"
    assert agents.holder("acme-t1") == "ana" and agents.holder("acme-t3") is None
    fetched = agents.agent("acme", "ana")
    assert fetched is not None and fetched.open_cases == 2
    assert agents.agent("acme", "nobody") is None and agents.agent("other", "ana") is None
    agents.release("ana", "acme-t1")
    assert agents.take(ben, "acme-t1", NOW) == "ben"


def test_take_for_an_agent_without_a_record_fails_and_leaves_no_assignment(
    agents: AnyAgentStore,
) -> None:
    ghost = Agent(id="ghost", brand_id="acme")
    with pytest.raises(LookupError):
        agents.take(ghost, "acme-t9", NOW)
    assert agents.holder("acme-t9") is None


def test_listings_by_queue_all_pages_and_by_assignee(store: AnyCaseStore) -> None:
    for i in range(1, 8):
        store.create(
            case(f"acme-t{i}", conversation=str(i), first_response_due=NOW + timedelta(minutes=60 - i)),
            msg(str(i), str(i)),
        )
    held = store.get("acme-t3")
    assert held is not None
    store.save(held.model_copy(update={"assignee": "ana", "status": CaseStatus.ASSIGNED}))
    queued = store.queue("acme", "billing", "queued", limit=None)
    assert [c.id for c in queued] == [f"acme-t{i}" for i in (7, 6, 5, 4, 2, 1)]  # soonest due first
    assert len(store.queue("acme", "billing", "queued", limit=2)) == 2
    assert [c.id for c in store.assigned_to("acme", "ana")] == ["acme-t3"]
    assert store.assigned_to("acme", "ben") == []


def test_an_outgoing_message_is_recorded_then_its_delivery_written_over(store: AnyCaseStore) -> None:
    created = store.create(case(), msg())
    out = CaseMessage(
        id="r1", direction="out", channel=Channel.PUBLIC, author_id="ana", text="on it",
        created_at=NOW + timedelta(minutes=1), delivery={"status": "pending"},
    )  # fmt: skip
    assert store.add_message(created, out)
    assert not store.add_message(created, out.model_copy(update={"text": "changed"}))
    store.put_message(created.id, out.model_copy(update={"delivery": {"status": "sent", "x_ids": ["9"]}}))
    thread = store.messages(created.id)
    assert [m.id for m in thread] == ["1", "r1"]
    assert thread[1].delivery == {"status": "sent", "x_ids": ["9"]} and thread[1].text == "on it"


def test_the_first_response_fields_survive_a_round_trip(store: AnyCaseStore) -> None:
    created = store.create(case(first_response_task_token="token-123"), msg())
    answered = store.save(
        created.model_copy(
            update={"first_response_at": NOW, "sla_met": True, "first_response_task_token": None}
        )
    )
    again = store.get(answered.id)
    assert again is not None
    assert (again.first_response_at, again.sla_met, again.first_response_task_token) == (NOW, True, None)


@pytest.fixture(params=FAKE_AND_ENGINES)
def log(request: pytest.FixtureRequest, aws_env: None) -> Iterator[FakeCorrections | DynamoCorrectionLog]:
    with fake_or_adapter(request, FakeCorrections, DynamoCorrectionLog) as log:
        yield log


@pytest.fixture(params=FAKE_AND_ENGINES)
def canned(request: pytest.FixtureRequest, aws_env: None) -> Iterator[FakeCanned | DynamoCannedResponses]:
    with fake_or_adapter(request, FakeCanned, DynamoCannedResponses) as canned:
        yield canned


def test_corrections_are_listed_per_brand_oldest_first_and_recorded_once(
    log: FakeCorrections | DynamoCorrectionLog,
) -> None:
    t0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    log.record(correction("acme-t2", t0 + timedelta(hours=2), "c2"))
    log.record(
        correction("acme-t1", t0, "c1", kind="agent", original_assignee="ana", corrected_assignee="ben")
    )
    log.record(correction("acme-t1", t0, "c1", reason="recorded again"))  # the same correction: no change
    log.record(correction("other-t1", t0, "c3", brand_id="other"))
    found = log.corrections("acme")
    assert [(c.id, c.case_id) for c in found] == [("c1", "acme-t1"), ("c2", "acme-t2")]
    assert found[0].kind == "agent" and found[0].reason == "" and found[0].corrected_assignee == "ben"
    assert [c.id for c in log.corrections("acme", since=t0 + timedelta(hours=1))] == ["c2"]
    assert [c.id for c in log.corrections("other")] == ["c3"]


def test_canned_responses_put_list_get_delete(canned: FakeCanned | DynamoCannedResponses) -> None:
    first = CannedResponse(id="refund-sent", brand_id="acme", title="Refund", text="Hi {customer_name}")
    canned.put_canned_response(first)
    canned.put_canned_response(first.model_copy(update={"id": "apology", "title": "Sorry"}))
    canned.put_canned_response(first.model_copy(update={"title": "Refund sent"}))
    assert sorted(r.id for r in canned.canned_responses("acme")) == ["apology", "refund-sent"]
    fetched = canned.canned_response("acme", "refund-sent")
    assert fetched is not None and fetched.title == "Refund sent"
    assert canned.canned_response("other", "refund-sent") is None
    assert canned.delete_canned_response("acme", "apology") is True
    assert canned.delete_canned_response("acme", "apology") is False
    assert [r.id for r in canned.canned_responses("acme")] == ["refund-sent"]
