"""What routing's and the SLA watch's tests use: the one fake of each case port (tests/support/case_fakes.py,
held to the DynamoDB adapter's contract), a recorder of the SLA watch's signals, notices and metrics, and
the messages and classifications their tests send."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from carebird.cases.model import Agent, Channel, Customer, IncomingMessage
from carebird.sla.ports import SlaSignals
from tests.support.case_fakes import FakeCaseRepository as FakeCases
from tests.support.case_fakes import FakeRoster as FakeAgents
from tests.support.case_fakes import FixedPriority
from tests.support.sla_fakes import FakeClockAlarm

__all__ = ["FakeAgents", "FakeCases", "FixedPriority", "Recorder", "agent", "classified", "message"]


class Recorder:
    """Records the legacy watches' signals, notices and breaches; `alarms` keeps the clocks' alarms, and
    `sla` is both, as the SLA watch and routing take them."""

    def __init__(self) -> None:
        self.signals: list[tuple[str, dict[str, Any]]] = []
        self.notices: list[tuple[str, dict[str, Any]]] = []
        self.breaches: list[tuple[str, str, str]] = []
        self.alarms = FakeClockAlarm()
        self.sla = SlaSignals(alarm=self.alarms, legacy=self)

    def look_again(self, task_token: str, output: dict[str, Any]) -> None:
        self.signals.append((task_token, output))

    def finished(self, task_token: str, output: dict[str, Any]) -> None:
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
