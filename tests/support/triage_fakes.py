"""In-memory fakes of the ports routing and the SLA watch use (the case store and agent directory with the
same idempotency and conflict rules as the DynamoDB adapter, the priority policy, the SLA watch's signal,
notifier and metrics), and the messages and classifications their tests send."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from carebird.cases.model import Agent, Case, CaseMessage, Channel, Customer, IncomingMessage
from carebird.cases.ports import CaseConflict, ConversationClaimed


class FakeCases:
    def __init__(self) -> None:
        self.cases: dict[str, Case] = {}
        self.messages: dict[str, list[CaseMessage]] = {}
        self.conversations: dict[tuple[str, str], str] = {}
        self.fail_next_save = 0

    def get(self, case_id: str) -> Case | None:
        return self.cases.get(case_id)

    def open_case_for_conversation(self, brand_id: str, conversation_id: str) -> Case | None:
        case_id = self.conversations.get((brand_id, conversation_id))
        case = self.cases.get(case_id) if case_id else None
        return case if case is not None and case.status.is_open else None

    def open_case_for_customer(self, brand_id: str, customer_id: str) -> Case | None:
        open_cases = [
            c
            for c in self.cases.values()
            if c.brand_id == brand_id and c.customer.id == customer_id and c.status.is_open
        ]
        return max(open_cases, key=lambda c: c.created_at) if open_cases else None

    def create(self, case: Case, message: CaseMessage) -> Case:
        if case.id in self.cases:
            return self.cases[case.id]
        if case.status.is_open:
            for conversation in case.conversation_ids:
                owner = self.conversations.get((case.brand_id, conversation))
                if owner and owner != case.id and self.cases[owner].status.is_open:
                    raise ConversationClaimed(owner)
            for conversation in case.conversation_ids:
                self.conversations[(case.brand_id, conversation)] = case.id
        self.cases[case.id] = case.model_copy(update={"version": 1})
        self.messages[case.id] = [message]
        return self.cases[case.id]

    def add_message(self, case: Case, message: CaseMessage) -> bool:
        thread = self.messages.setdefault(case.id, [])
        if any(m.id == message.id for m in thread):
            return False
        thread.append(message)
        return True

    def save(self, case: Case) -> Case:
        if self.fail_next_save:
            self.fail_next_save -= 1
            raise CaseConflict(case.id)
        stored = self.cases.get(case.id)
        if stored is None or stored.version != case.version:
            raise CaseConflict(case.id)
        saved = case.model_copy(update={"version": case.version + 1})
        self.cases[case.id] = saved
        for conversation in saved.conversation_ids:
            if saved.status.is_open:
                self.conversations[(saved.brand_id, conversation)] = saved.id
        return saved


class FakeAgents:
    def __init__(self, agents: list[Agent]) -> None:
        self.by_id = {a.id: a for a in agents}
        self.assignments: dict[str, str] = {}

    def agents(self, brand_id: str) -> list[Agent]:
        return [a for a in self.by_id.values() if a.brand_id == brand_id]

    def claim(self, agent: Agent, case_id: str, at: datetime) -> str | None:
        if case_id in self.assignments:
            return self.assignments[case_id]
        current = self.by_id[agent.id]
        if current.open_cases >= current.capacity:
            return None
        self.by_id[agent.id] = current.model_copy(
            update={"open_cases": current.open_cases + 1, "last_assigned_at": at}
        )
        self.assignments[case_id] = agent.id
        return agent.id

    def release(self, agent_id: str, case_id: str) -> None:
        if self.assignments.pop(case_id, None) == agent_id:
            current = self.by_id[agent_id]
            self.by_id[agent_id] = current.model_copy(update={"open_cases": max(0, current.open_cases - 1)})


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


class Recorder:
    def __init__(self) -> None:
        self.signals: list[tuple[str, dict[str, Any]]] = []
        self.notices: list[tuple[str, dict[str, Any]]] = []
        self.breaches: list[tuple[str, str, str]] = []

    def first_response(self, task_token: str, output: dict[str, Any]) -> None:
        self.signals.append((task_token, output))

    def notify(self, subject: str, message: dict[str, Any]) -> None:
        self.notices.append((subject, message))

    def breach(self, brand_id: str, queue: str, priority: str) -> None:
        self.breaches.append((brand_id, queue, priority))


NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday


def message(
    id: str = "100",
    text: str = "I was charged twice",
    conversation: str | None = "100",
    channel: Channel = Channel.PUBLIC,
    customer: str = "42",
    engagement: dict[str, int] | None = None,
) -> IncomingMessage:
    return IncomingMessage(
        brand_id="acme",
        id=id,
        channel=channel,
        customer=Customer(id=customer, username=f"user{customer}", followers=10),
        text=text,
        created_at=NOW,
        conversation_id=conversation,
        engagement=engagement or {},
        lang="en",
    )


def classified(
    skill: str | None = "billing", confidence: float = 0.9, language: str = "en", **extra: Any
) -> dict:
    return {
        "sentiment": {"label": "negative", "confidence": 0.8},
        "skill": {"label": skill, "confidence": confidence},
        "language": {"label": language, "confidence": 0.9},
        "needs_response": {"value": True, "confidence": 0.9},
        "spam": {"value": False, "confidence": 0.9},
        **extra,
    }


def agent(
    id: str, skills: tuple[str, ...] = ("billing",), open_cases: int = 0, capacity: int = 2, **kw: Any
) -> Agent:
    return Agent(id=id, brand_id="acme", skills=skills, open_cases=open_cases, capacity=capacity, **kw)
