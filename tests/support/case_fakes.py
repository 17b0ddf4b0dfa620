"""In-memory fakes of the case ports, one per port, each keeping the DynamoDB adapter's rules:

- `FakeCaseRepository`: carebird.cases.ports.CaseStore (triage) and its wider case-work form
  carebird.casework.ports.CaseRepository. Cases keyed by brand where the table keys them by brand (a
  conversation and a customer's open case belong to one brand), optimistic locking on `version`, one open
  case per conversation, a thread keyed by (time, id) as the table's MSG# items, the item size limit.
- `FakeRoster`: carebird.cases.ports.AgentDirectory and its case-work form AgentRoster. One assignment
  per case, decided at once; triage's `claim` checks the stored capacity, an agent's own `take` does not.
- `FixedPriority`: a PriorityPolicy with fixed, readable levels.

The first two run the same contract as carebird.storage.cases (tests/integration/storage/test_case_store.py,
test_casework_store.py and test_case_bounds.py), so a unit test on them sees what the table would do.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from carebird.cases.model import Agent, Case, CaseMessage, Customer, resolved_at
from carebird.cases.ports import CaseConflict, CaseHeld, CaseTooLarge, ConversationClaimed
from carebird.casework.model import EarlierCase

# DynamoDB's item limit, measured as the adapter stores a case: its JSON without the archived decisions.
MAX_ITEM_BYTES = 400 * 1024
DECISIONS_KEPT = 25


def _due_key(case: Case) -> tuple[str, datetime, str]:
    """The table's queue index order: status, then soonest due, then case id."""
    return case.status.value, *_assignee_key(case)


def _assignee_key(case: Case) -> tuple[datetime, str]:
    """The table's assignee index order: soonest due, then case id."""
    return case.first_response_due or case.created_at, case.id


def _too_large(case: Case) -> bool:
    kept = case.model_copy(update={"decisions": case.decisions[-DECISIONS_KEPT:]})
    return len(kept.model_dump_json().encode()) > MAX_ITEM_BYTES


def _listed(cases: list[Case]) -> list[Case]:
    """Listings carry no decision log and of the classification only its sentiment, as the table's
    indexes give them (`get` has the whole case)."""
    return [
        c.model_copy(
            update={
                "decisions": (),
                "tallied": 0,
                "classification": {k: v for k, v in c.classification.items() if k == "sentiment"},
            }
        )
        for c in cases
    ]


class FakeCaseRepository:
    def __init__(self, roster: FakeRoster | None = None) -> None:
        self.cases: dict[str, Case] = {}
        self.threads: dict[str, dict[tuple[datetime, str], CaseMessage]] = {}
        # (brand, conversation) -> the case that last took it; it is open while that case is.
        self.conversations: dict[tuple[str, str], str] = {}
        # The next saves lose to a concurrent change: the stored version moves on, CaseConflict is raised.
        self.conflicts_to_inject = 0
        self.roster = roster  # for save_claimed: the assignment lives beside the case, as in the table
        self.watch_tokens: dict[tuple[str, str, str], str] = {}  # (case, clock, key) -> task token

    # ------------------------------------------------------------------ reads
    def get(self, case_id: str) -> Case | None:
        return self.cases.get(case_id)

    def open_case_for_conversation(self, brand_id: str, conversation_id: str) -> Case | None:
        owner = self.conversations.get((brand_id, conversation_id))
        case = self.cases.get(owner) if owner is not None else None
        return case if case is not None and case.status.is_open else None

    def open_case_for_customer(self, brand_id: str, customer_id: str) -> Case | None:
        mine = [
            c
            for c in self.cases.values()
            if c.brand_id == brand_id and c.customer.id == customer_id and c.status.is_open
        ]
        # The newest; of two opened at once, the first by case id (the table's OPEN# order).
        mine.sort(key=lambda c: c.id)
        newest: Case | None = None
        for case in mine:
            if newest is None or case.created_at > newest.created_at:
                newest = case
        return newest

    def messages(self, case_id: str) -> list[CaseMessage]:
        thread = self.threads.get(case_id, {})
        return [thread[key] for key in sorted(thread)]

    def queue(
        self, brand_id: str, queue: str, status: str | None = None, limit: int | None = 100
    ) -> list[Case]:
        found = sorted(
            (
                c
                for c in self.cases.values()
                if c.brand_id == brand_id
                and c.queue == queue
                and (status is None or c.status.value == status)
            ),
            key=_due_key,
        )
        return _listed(found if limit is None else found[:limit])

    def assigned_to(self, brand_id: str, agent_id: str, limit: int | None = None) -> list[Case]:
        found = sorted(
            (
                c
                for c in self.cases.values()
                if c.brand_id == brand_id and c.assignee == agent_id and c.status.is_open
            ),
            key=_assignee_key,
        )
        return _listed(found if limit is None else found[:limit])

    def customer_cases(self, brand_id: str, customer_id: str, limit: int) -> list[EarlierCase]:
        mine = [c for c in self.cases.values() if c.brand_id == brand_id and c.customer.id == customer_id]
        mine.sort(key=lambda c: (c.created_at, c.id), reverse=True)
        return [
            EarlierCase(id=c.id, status=c.status.value, opened_at=c.created_at, resolved_at=resolved_at(c))
            for c in mine[:limit]
        ]

    # ------------------------------------------------------------------ writes
    def create(self, case: Case, message: CaseMessage) -> Case:
        existing = self.cases.get(case.id)
        if existing is not None:
            return existing
        if case.status.is_open:
            for conversation in case.conversation_ids:
                owner = self.open_case_for_conversation(case.brand_id, conversation)
                if owner is not None and owner.id != case.id:
                    raise ConversationClaimed(owner.id)
            for conversation in case.conversation_ids:
                self.conversations[(case.brand_id, conversation)] = case.id
        stored = case.model_copy(update={"version": 1})
        self.cases[case.id] = stored
        self.threads[case.id] = {(message.created_at, message.id): message}
        return stored

    def add_message(self, case: Case, message: CaseMessage) -> bool:
        thread = self.threads.setdefault(case.id, {})
        key = (message.created_at, message.id)
        if key in thread:
            return False
        thread[key] = message
        return True

    def put_message(self, case_id: str, message: CaseMessage) -> None:
        self.threads.setdefault(case_id, {})[(message.created_at, message.id)] = message

    def keep_watch_token(self, case_id: str, clock: str, key: str, task_token: str) -> None:
        self.watch_tokens[(case_id, clock, key)] = task_token

    def watch_token(self, case_id: str, clock: str, key: str) -> str | None:
        return self.watch_tokens.get((case_id, clock, key))

    def save(self, case: Case) -> Case:
        if self.conflicts_to_inject:
            # Someone else saved in between: the stored version moves on.
            self.conflicts_to_inject -= 1
            stored = self.cases[case.id]
            self.cases[case.id] = stored.model_copy(update={"version": stored.version + 1})
            raise CaseConflict(case.id)
        if _too_large(case):
            raise CaseTooLarge(case.id)
        self._check_saveable(case)
        return self._write(case)

    def save_claimed(self, case: Case, agent: Agent, at: datetime) -> Case:
        """`save` and the claim in one step: nothing is taken if either fails (as the transaction)."""
        assert self.roster is not None, "FakeCaseRepository(roster=...) to claim with a save"
        if _too_large(case):
            raise CaseTooLarge(case.id)
        holder = self.roster.holder(case.id)
        if holder is not None:
            raise CaseHeld(holder)
        if self.roster.agent(agent.brand_id, agent.id) is None:
            raise CaseConflict(case.id)  # the agent's record is gone: the transaction's condition fails
        saved = self.save(case)  # raises before the claim: nothing is taken
        self.roster.take(agent, case.id, at)
        return saved

    def _check_saveable(self, case: Case) -> None:
        stored = self.cases.get(case.id)
        if stored is None or stored.version != case.version:
            raise CaseConflict(case.id)
        for conversation in case.conversation_ids:
            owner = self.open_case_for_conversation(case.brand_id, conversation)
            if owner is not None and owner.id != case.id:
                raise CaseConflict(case.id)  # never take a conversation away from another open case

    def _write(self, case: Case) -> Case:
        saved = case.model_copy(update={"version": case.version + 1})
        self.cases[case.id] = saved
        for conversation in saved.conversation_ids:
            self.conversations[(saved.brand_id, conversation)] = saved.id
        return saved


class FakeRoster:
    """Agents by brand and id (`by_id` indexes them by id, for tests of one brand)."""

    def __init__(self, agents: list[Agent]) -> None:
        self.records: dict[tuple[str, str], Agent] = {(a.brand_id, a.id): a for a in agents}
        self.assignments: dict[str, tuple[str, str]] = {}  # case id -> (brand, agent id)

    @property
    def by_id(self) -> dict[str, Agent]:
        return {agent_id: a for (_, agent_id), a in self.records.items()}

    def agents(self, brand_id: str) -> list[Agent]:
        return [a for (b, agent_id), a in sorted(self.records.items()) if b == brand_id]

    def agent(self, brand_id: str, agent_id: str) -> Agent | None:
        return self.records.get((brand_id, agent_id))

    def put(self, agent: Agent) -> None:
        """Add or update a profile; the agent's load is kept (their last assignment time is not)."""
        current = self.records.get((agent.brand_id, agent.id))
        self.records[(agent.brand_id, agent.id)] = agent.model_copy(
            update={"open_cases": current.open_cases if current else 0, "last_assigned_at": None}
        )

    def holder(self, case_id: str) -> str | None:
        held = self.assignments.get(case_id)
        return held[1] if held is not None else None

    def claim(self, agent: Agent, case_id: str, at: datetime) -> str | None:
        held = self.holder(case_id)
        if held is not None:
            return held
        current = self.records.get((agent.brand_id, agent.id))
        if current is None or current.open_cases >= current.capacity:
            return None
        self._assign(current, case_id, at)
        return agent.id

    def take(self, agent: Agent, case_id: str, at: datetime) -> str:
        held = self.holder(case_id)
        if held is not None:
            return held
        current = self.records.get((agent.brand_id, agent.id))
        if current is None:
            raise LookupError(f"no agent {agent.id} of brand {agent.brand_id}")
        self._assign(current, case_id, at)
        return agent.id

    def release(self, agent_id: str, case_id: str) -> None:
        held = self.assignments.get(case_id)
        if held is None or held[1] != agent_id:
            return
        del self.assignments[case_id]
        current = self.records[held]
        self.records[held] = current.model_copy(update={"open_cases": max(0, current.open_cases - 1)})

    def _assign(self, agent: Agent, case_id: str, at: datetime) -> None:
        self.assignments[case_id] = (agent.brand_id, agent.id)
        self.records[(agent.brand_id, agent.id)] = agent.model_copy(
            update={"open_cases": agent.open_cases + 1, "last_assigned_at": at}
        )


class FixedPriority:
    """P2 for negative sentiment, P3 otherwise; P1 when engagement passes 1,000."""

    def score(
        self, classification: dict[str, Any], customer: Customer, engagement: dict[str, int]
    ) -> tuple[str, float, str]:
        if sum(engagement.values()) > 1000:
            return "P1", 90.0, "viral"
        sentiment = classification.get("sentiment", {})
        if isinstance(sentiment, dict) and sentiment.get("label") == "negative":
            return "P2", 60.0, "negative"
        return "P3", 30.0, "neutral"
