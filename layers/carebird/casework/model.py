"""The case work domain: who asks, what they see of queues and cases, and what their actions leave behind."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from carebird.cases.model import Case, CaseMessage, Channel
from carebird.spend.prices import PRICE_USD, XUse


@dataclass(frozen=True)
class Principal:
    """An agent acting through the API: identity from the token, role and queues from their record."""

    agent_id: str
    brand_id: str
    role: str  # "agent" | "supervisor"
    name: str
    queues: frozenset[str]  # the queues they work; for a supervisor every queue of the brand

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"

    def works(self, queue: str) -> bool:
        return self.is_supervisor or queue in self.queues


class QueueSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    queue: str
    open: int = Field(description="open cases: queued, assigned, or answered and waiting on the customer")
    unassigned: int = Field(description="open cases nobody holds")
    awaiting_first_response: int
    oldest_waiting_since: datetime | None = Field(
        default=None, description="when the customer who has waited longest for a first response wrote"
    )
    oldest_waiting_seconds: int | None = None
    at_risk: int = Field(
        description="awaiting a first response that is due within the at-risk window, or late"
    )
    breached: int = Field(description="awaiting a first response that is already late")


class ClockView(BaseModel):
    """A next-response or resolution clock (carebird.sla.clocks)."""

    model_config = ConfigDict(frozen=True)

    state: str = Field(description="running | paused (waiting on the customer) | breached | stopped")
    due_at: datetime | None = None
    seconds_left: int | None = Field(
        default=None, description="negative when late; paused: business time left"
    )


class SlaClock(BaseModel):
    """The first-response clock (running until the first agent reply is on X), with the case's
    next-response clock (while the customer waits for an answer to a later message) and resolution clock
    (paused while the case waits on the customer)."""

    model_config = ConfigDict(frozen=True)

    name: str = "first_response"
    state: str = Field(description="running | met | breached (answered late, or late and still waiting)")
    started_at: datetime
    due_at: datetime | None = None
    stopped_at: datetime | None = None
    met: bool | None = None
    seconds_left: int | None = Field(default=None, description="while running; negative when late")
    next_response: ClockView | None = None
    resolution: ClockView | None = None


class PartView(BaseModel):
    model_config = ConfigDict(frozen=True)

    index: int
    text: str
    status: str = Field(description="pending | sent | failed | not_sent")
    x_id: str | None = None
    error_code: str | None = None
    error: str | None = None


class ReplyView(BaseModel):
    """An outgoing message and its delivery: pending, sent, or failed with X's reason."""

    model_config = ConfigDict(frozen=True)

    id: str
    case_id: str
    channel: Channel
    text: str
    author_id: str
    created_at: datetime
    in_reply_to_id: str | None = None
    status: str = Field(description="pending | sent | failed")
    error_code: str | None = None
    error: str | None = None
    retry_at: datetime | None = None
    x_ids: list[str] = Field(default_factory=list)
    parts: list[PartView] = Field(default_factory=list)

    @property
    def final(self) -> bool:
        """Nothing more will happen without a new request: sent, or refused for good by X."""
        return self.status == "sent" or (self.status == "failed" and self.error_code not in TRANSIENT_CODES)


# Delivery failures that a later attempt may overcome (the same Idempotency-Key resumes the reply).
TRANSIENT_CODES = frozenset({"x_unavailable", "rate_limited", "unconfirmed", "in_progress"})


class Presence(BaseModel):
    """An agent with the case open (and perhaps typing a reply) until `until`, unless they say so again."""

    model_config = ConfigDict(frozen=True)

    agent_id: str
    name: str
    typing: bool
    until: datetime


class EarlierCase(BaseModel):
    """Another case of the same customer with the brand, as the customer panel lists it."""

    model_config = ConfigDict(frozen=True)

    id: str
    status: str
    opened_at: datetime
    resolved_at: datetime | None = None
    csat: int | None = Field(default=None, description="the customer's 1-5 rating, if they gave one")


class AgentView(BaseModel):
    """A brand's agent as colleagues see them (the reassign picker)."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    available: bool
    skills: list[str]
    languages: list[str]
    open_cases: int
    capacity: int
    supervisor: bool


class PreviewPart(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    weighted_length: int


class PreviewWarning(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str = Field(description="empty | too_long | link_cost | reply_not_allowed | dm_closed")
    message: str


class ReplyPreview(BaseModel):
    """What a reply would become on X, before anything is sent: its parts, cost and X's likely refusals."""

    model_config = ConfigDict(frozen=True)

    text: str = Field(description="what would be sent: the text, or the canned response filled in")
    parts: list[PreviewPart]
    weighted_length: int = Field(
        description="public: X's weighted length of the whole text; dm: its length in characters"
    )
    max_weighted_length: int = Field(description="public: per post (280); dm: per message")
    contains_link: bool
    estimated_cost_usd: float
    warnings: list[PreviewWarning]
    sendable: bool = Field(
        description="false when the text cannot be sent (empty, too long) or X will refuse it as far as "
        "carebird knows (reply_not_allowed, dm_closed)"
    )


@dataclass(frozen=True)
class CostLine:
    """What a conversation used of one billable kind on X (carebird.casework.costs)."""

    kind: XUse
    units: int

    @property
    def usd(self) -> Decimal:
        return PRICE_USD[self.kind] * self.units


@dataclass(frozen=True)
class CaseDetail:
    case: Case
    messages: list[CaseMessage]
    replies: dict[str, ReplyView]  # outgoing message id -> its delivery
    sla: SlaClock
    held_by: str | None
    presence: list[Presence]  # the other agents on the case now
    earlier_cases: list[EarlierCase]  # the customer's other cases with the brand, newest first
    x_cost: list[CostLine] = field(default_factory=list)  # what the conversation cost on X, by kind


@dataclass(frozen=True)
class ReplyRequest:
    """What an agent asks to send: their own text, or a canned response with values for its placeholders."""

    text: str | None = None
    canned_response_id: str | None = None
    variables: dict[str, str] | None = None
    channel: Channel | None = None  # None: the case's own channel
    in_reply_to_id: str | None = None  # public replies: the customer's post (default: their latest)

    def payload(self) -> dict[str, Any]:
        """What identifies the request for idempotency: a key reused with another payload is refused."""
        return {
            "text": self.text,
            "canned_response_id": self.canned_response_id,
            "variables": dict(sorted((self.variables or {}).items())),
            "channel": self.channel.value if self.channel else None,
            "in_reply_to_id": self.in_reply_to_id,
        }


class RoutingCorrection(BaseModel):
    """A person moved a case triage had routed: a labelled example for retraining the classifier.

    Stored by `carebird.storage.casework.DynamoCorrectionLog` (pk CORRECTION#<brand>, sk
    <at>#<case>#<id>); `corrections(brand_id)` lists them oldest first for `carebird export-corrections`.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    brand_id: str
    case_id: str
    kind: str = Field(
        description="queue (moved to another queue), agent (handed to another agent) or restore (an "
        "automatic close undone: the classification's spam or no-response was wrong)"
    )
    text: str = Field(description="the customer's first message, as the classifier saw it")
    language: str | None = None
    classification: dict[str, Any] = Field(default_factory=dict)
    original_queue: str
    original_skill: str | None = None
    corrected_queue: str
    corrected_skill: str | None = None
    original_assignee: str | None = None
    corrected_assignee: str | None = None
    agent_id: str
    reason: str = ""
    at: datetime


class CannedResponse(BaseModel):
    """A brand's reply template. Placeholders are `{name}`: customer_name, customer_handle, agent_name,
    brand_handle, case_id are filled in; any other is a variable the agent supplies with the reply."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    brand_id: str
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=5000)
    updated_by: str = ""
    updated_at: datetime | None = None
