"""No agent action grows a case past DynamoDB's item limit, a size error is named as such, and a claim
commits with the case or not at all. One contract, run on the unit tests' fake, moto and DynamoDB Local."""

from __future__ import annotations

from datetime import timedelta

import pytest

from carebird.brands.desk import load_triage_config
from carebird.cases.model import Agent, Customer, Decision, IncomingMessage
from carebird.cases.ports import CaseConflict, CaseHeld, CaseTooLarge
from carebird.triage.service import TriageService
from tests.integration.storage.conftest import CaseStores
from tests.integration.storage.test_case_store import NOW, case, msg
from tests.support.case_fakes import FixedPriority

# The longest reason the API takes (500 characters), in 4-byte UTF-8: 2 KB a decision, so some 200 of
# them fill DynamoDB's 400 KB item.
LONG_REASON = "🦜" * 500


ANA = Agent(id="ana", brand_id="acme", name="Ana", skills=("billing",), capacity=3)
BEN = Agent(id="ben", brand_id="acme", name="Ben", skills=("billing",), capacity=3)


@pytest.fixture
def stores(case_stores: CaseStores) -> CaseStores:
    case_stores.agents.put(ANA)
    case_stores.agents.put(BEN)
    return case_stores


def test_hundreds_of_long_decisions_keep_the_case_storable_and_whole(stores: CaseStores) -> None:
    stored = stores.cases.create(case(), msg())
    for batch in range(25):  # 250 decisions, 500 KB of reasons, ten to a save to keep the test short
        current = stores.cases.get(stored.id)
        for n in range(batch * 10, batch * 10 + 10):
            decision = Decision(at=NOW + timedelta(seconds=n), kind="assignment", value=f"a{n}",
                                reason=LONG_REASON, by="sue")  # fmt: skip
            current = current.with_decision(decision, updated_at=decision.at)
        stores.cases.save(current)
    whole = stores.cases.get(stored.id)
    assert [d.value for d in whole.decisions] == [f"a{n}" for n in range(250)]
    assert whole.version == 26
    listed = stores.cases.queue("acme", "billing")
    assert [c.id for c in listed] == [stored.id]


def test_the_customers_next_message_threads_into_a_case_with_a_long_history(stores: CaseStores) -> None:
    service = TriageService(stores.cases, stores.agents, FixedPriority(), clock=lambda: NOW)
    classification = {"skill": {"label": "billing", "confidence": 0.9}}
    config = load_triage_config(None)

    def incoming(id: str) -> IncomingMessage:
        return IncomingMessage(brand_id="acme", id=id, channel=msg().channel,
                               customer=Customer(id="42", username="c"), text="charged twice",
                               created_at=NOW, conversation_id="1")  # fmt: skip

    first = service.triage(incoming("1"), classification, config)
    for _ in range(25):
        current = stores.cases.get(first.case_id)
        decision = Decision(at=NOW, kind="queue", value="billing", reason=LONG_REASON, by="sue")
        stores.cases.save(current.model_copy(update={"decisions": current.decisions + (decision,) * 10}))
    again = service.triage(incoming("2"), classification, config)
    assert again.case_id == first.case_id
    assert stores.cases.get(first.case_id).message_ids == ("1", "2")


def test_a_case_too_large_to_store_is_named_as_such_not_a_conflict(stores: CaseStores) -> None:
    stored = stores.cases.create(case(), msg())
    huge = stored.model_copy(update={"message_ids": tuple(f"{n:019d}" for n in range(20_000))})
    with pytest.raises(CaseTooLarge):
        stores.cases.save(huge)
    assert stores.cases.get(stored.id).version == stored.version  # nothing written


def test_a_claim_commits_with_the_case_or_not_at_all(stores: CaseStores) -> None:
    stored = stores.cases.create(case(), msg())
    claimed = stored.model_copy(update={"assignee": "ana"})
    stale = stored.model_copy(update={"version": 0})
    with pytest.raises(CaseConflict):
        stores.cases.save_claimed(stale, ANA, NOW)
    too_big = claimed.model_copy(update={"message_ids": tuple(f"{n:019d}" for n in range(20_000))})
    with pytest.raises(CaseTooLarge):
        stores.cases.save_claimed(too_big, ANA, NOW)
    assert stores.agents.holder(stored.id) is None and stores.load("ana") == 0  # nothing leaked
    saved = stores.cases.save_claimed(claimed, ANA, NOW)
    assert (saved.assignee, saved.version) == ("ana", 2)
    assert stores.agents.holder(stored.id) == "ana" and stores.load("ana") == 1
    with pytest.raises(CaseHeld) as held:
        stores.cases.save_claimed(saved.model_copy(update={"assignee": "ben"}), BEN, NOW)
    assert held.value.holder == "ana" and stores.load("ben") == 0
    assert stores.cases.get(stored.id).assignee == "ana"
