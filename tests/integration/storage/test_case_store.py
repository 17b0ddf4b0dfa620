"""The case store and agent directory on moto and on DynamoDB Local: same tests, same answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from carebird.brands.desk import load_triage_config
from carebird.cases.model import (
    Agent,
    Case,
    CaseMessage,
    CaseStatus,
    Channel,
    Customer,
    Decision,
    IncomingMessage,
)
from carebird.cases.ports import CaseConflict, ConversationClaimed
from carebird.triage.service import TriageService
from tests.integration.storage.conftest import AnyAgentStore, AnyCaseStore, CaseStores
from tests.support.case_fakes import FixedPriority

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def case(id: str = "acme-t1", conversation: str = "1", customer: str = "42", **kw: object) -> Case:
    data: dict[str, object] = {
        "id": id,
        "brand_id": "acme",
        "customer": Customer(id=customer, username="c"),
        "channel": Channel.PUBLIC,
        "status": CaseStatus.QUEUED,
        "queue": "billing",
        "conversation_ids": (conversation,),
        "message_ids": ("1",),
        "created_at": NOW,
        "updated_at": NOW,
        "first_message_at": NOW,
        "first_response_due": NOW + timedelta(hours=1),
        **kw,
    }
    return Case.model_validate(data)


def msg(id: str = "1", conversation: str = "1") -> CaseMessage:
    return CaseMessage(
        id=id, direction="in", channel=Channel.PUBLIC, author_id="42", text=f"m{id}", created_at=NOW,
        conversation_id=conversation,
    )  # fmt: skip


@pytest.fixture
def store(case_stores: CaseStores) -> AnyCaseStore:
    return case_stores.cases


@pytest.fixture
def agents(case_stores: CaseStores) -> AnyAgentStore:
    return case_stores.agents


def test_create_is_idempotent_and_keeps_the_thread(store: AnyCaseStore) -> None:
    created = store.create(case(), msg())
    again = store.create(case(), msg())
    assert created.version == again.version == 1
    assert [m.id for m in store.messages("acme-t1")] == ["1"]
    assert store.open_case_for_conversation("acme", "1") == created
    assert store.open_case_for_customer("acme", "42") == created


def test_a_conversation_belongs_to_one_open_case(store: AnyCaseStore) -> None:
    store.create(case(), msg())
    with pytest.raises(ConversationClaimed) as claimed:
        store.create(case(id="acme-t2"), msg(id="2"))
    assert claimed.value.case_id == "acme-t1"
    assert store.get("acme-t2") is None
    # nothing of the case that lost lists it: not the customer's cases, not their open case
    assert [c.id for c in store.customer_cases("acme", "42", 5)] == ["acme-t1"]
    open_case = store.open_case_for_customer("acme", "42")
    assert open_case is not None and open_case.id == "acme-t1"


def test_conversations_and_customers_belong_to_one_brand(store: AnyCaseStore) -> None:
    ours = store.create(case(), msg())
    assert store.open_case_for_conversation("other", "1") is None
    assert store.open_case_for_customer("other", "42") is None
    theirs = store.create(case(id="other-t1", brand_id="other"), msg())  # X ids are global, brands are not
    assert store.open_case_for_conversation("other", "1") == theirs
    assert store.open_case_for_customer("other", "42") == theirs
    assert store.open_case_for_conversation("acme", "1") == ours


def test_a_case_cannot_reopen_a_conversation_another_open_case_took(store: AnyCaseStore) -> None:
    first = store.create(case(), msg())
    resolved = store.save(first.model_copy(update={"status": CaseStatus.RESOLVED}))
    later = store.create(case(id="acme-t2", created_at=NOW + timedelta(hours=1)), msg(id="2"))
    with pytest.raises(CaseConflict):
        store.save(resolved.model_copy(update={"status": CaseStatus.QUEUED}))
    again = store.get(first.id)
    assert again is not None and (again.version, again.status) == (resolved.version, CaseStatus.RESOLVED)
    assert store.open_case_for_conversation("acme", "1") == later
    assert store.open_case_for_customer("acme", "42") == later


def test_the_newest_open_case_is_the_customers_open_case(store: AnyCaseStore) -> None:
    store.create(case(), msg())
    newer = store.create(
        case(id="acme-t2", conversation="2", created_at=NOW + timedelta(hours=1)), msg("2", "2")
    )
    assert store.open_case_for_customer("acme", "42") == newer


def test_messages_append_once(store: AnyCaseStore) -> None:
    created = store.create(case(), msg())
    assert store.add_message(created, msg(id="2")) is True
    assert store.add_message(created, msg(id="2")) is False
    assert [m.id for m in store.messages("acme-t1")] == ["1", "2"]


def test_save_is_optimistically_locked_and_moves_threading_keys(store: AnyCaseStore) -> None:
    created = store.create(case(), msg())
    saved = store.save(created.model_copy(update={"assignee": "ana", "status": CaseStatus.ASSIGNED}))
    assert saved.version == 2
    with pytest.raises(CaseConflict):
        store.save(created)  # version 1 is stale
    store.save(saved.model_copy(update={"status": CaseStatus.RESOLVED}))
    assert store.open_case_for_conversation("acme", "1") is None
    assert store.open_case_for_customer("acme", "42") is None
    # the conversation is free again: a new first message makes a new case
    assert store.create(case(id="acme-t9"), msg(id="9")).id == "acme-t9"


def test_queue_lists_cases_by_status_soonest_due_first(store: AnyCaseStore) -> None:
    store.create(
        case(id="acme-t1", conversation="1", first_response_due=NOW + timedelta(hours=2)), msg("1", "1")
    )
    store.create(
        case(id="acme-t2", conversation="2", first_response_due=NOW + timedelta(hours=1)), msg("2", "2")
    )
    assert [c.id for c in store.queue("acme", "billing", status="queued")] == ["acme-t2", "acme-t1"]


def test_claiming_capacity_is_atomic_and_idempotent(agents: AnyAgentStore) -> None:
    agents.put(Agent(id="ana", brand_id="acme", skills=("billing",), capacity=1))
    ana = agents.agents("acme")[0]
    assert agents.claim(ana, "acme-t1", NOW) == "ana"
    assert agents.claim(ana, "acme-t1", NOW) == "ana"  # a retried step: same holder, capacity taken once
    assert agents.agents("acme")[0].open_cases == 1
    assert agents.claim(ana, "acme-t2", NOW) is None  # full
    agents.release("ana", "acme-t1")
    assert agents.agents("acme")[0].open_cases == 0
    assert agents.claim(agents.agents("acme")[0], "acme-t2", NOW) == "ana"


def test_agents_are_listed_by_id_and_a_profile_update_keeps_their_load(agents: AnyAgentStore) -> None:
    agents.put(Agent(id="ben", brand_id="acme", skills=("billing",)))
    agents.put(Agent(id="ana", brand_id="acme", skills=("billing",), capacity=2))
    agents.put(Agent(id="ana", brand_id="other"))
    assert [a.id for a in agents.agents("acme")] == ["ana", "ben"]
    ana = agents.agent("acme", "ana")
    assert ana is not None and agents.claim(ana, "acme-t1", NOW) == "ana"
    claimed = agents.agent("acme", "ana")
    assert claimed is not None and claimed.last_assigned_at == NOW
    agents.put(ana.model_copy(update={"name": "Ana", "open_cases": 0}))
    updated = agents.agent("acme", "ana")
    assert updated is not None and (updated.name, updated.open_cases) == ("Ana", 1)
    other = agents.agent("other", "ana")
    assert other is not None and other.open_cases == 0


def test_triage_service_end_to_end_on_the_engine(store: AnyCaseStore, agents: AnyAgentStore) -> None:
    agents.put(Agent(id="ana", brand_id="acme", skills=("billing",), capacity=3))
    service = TriageService(store, agents, FixedPriority(), clock=lambda: NOW)
    config = load_triage_config(None)
    classification = {
        "sentiment": {"label": "negative", "confidence": 0.9},
        "skill": {"label": "billing", "confidence": 0.9},
    }

    def incoming(
        id: str, channel: Channel = Channel.PUBLIC, conversation: str | None = "1"
    ) -> IncomingMessage:
        customer = Customer(id="42", username="c")
        return IncomingMessage(
            brand_id="acme", id=id, channel=channel, customer=customer, text="charged twice",
            created_at=NOW, conversation_id=conversation,
        )  # fmt: skip

    first = service.triage(incoming("1"), classification, config)
    reply = service.triage(incoming("2"), classification, config)
    dm = service.triage(incoming("3", Channel.DM, None), classification, config)
    assert first.assignee == "ana" and first.status is CaseStatus.ASSIGNED
    assert reply.case_id == dm.case_id == first.case_id
    stored = store.get(first.case_id)
    assert stored is not None and stored.message_ids == ("1", "2", "3")
    assert [m.id for m in store.messages(first.case_id)] == ["1", "2", "3"]
    assert agents.agents("acme")[0].open_cases == 1


def test_a_customers_cases_come_newest_first_with_their_state(store: AnyCaseStore) -> None:
    first = store.create(case("acme-t1", "1"), msg("1", "1"))
    later = NOW + timedelta(hours=2)
    second = store.create(case("acme-t2", "2", created_at=later), msg("2", "2"))
    store.create(case("acme-t3", "3", customer="77"), msg("3", "3"))  # someone else
    resolved = first.with_decision(
        Decision(at=NOW + timedelta(hours=1), kind="resolved", value="resolved", reason="done", by="ana"),
        status=CaseStatus.RESOLVED,
    )
    store.save(resolved)
    found = store.customer_cases("acme", "42", limit=10)
    assert [c.id for c in found] == [second.id, first.id]
    assert found[1].status == "resolved" and found[1].resolved_at == NOW + timedelta(hours=1)
    assert found[0].status == "queued" and found[0].resolved_at is None and found[0].opened_at == later
    assert [c.id for c in store.customer_cases("acme", "42", limit=1)] == [second.id]
    assert store.customer_cases("other-brand", "42", limit=10) == []
