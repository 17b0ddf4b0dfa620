"""The agent API's request and response bodies. They are the OpenAPI document's schemas, and the request
models are what validation holds bodies to: unknown fields, wrong types, empty or oversized text and
text that is not valid Unicode are refused with a 422 that names the field."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from carebird.cases.model import Case, CaseMessage
from carebird.casework.costs import LEFT_OUT
from carebird.casework.model import (
    AgentView,
    CannedResponse,
    CostLine,
    EarlierCase,
    PartView,
    Presence,
    QueueSummary,
    ReplyPreview,
    ReplyView,
    SlaClock,
)
from carebird.outbound.text import is_blank

# Longest text a request may carry: a direct message's limit. A public reply also has to fit X's thread
# limit (25 posts), which delivery checks with X's own weights.
MAX_TEXT = 10_000
MAX_NOTE = 5_000
MAX_REASON = 500
CASE_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$"
AGENT_ID = r"^[A-Za-z0-9_.@-]{1,64}$"
QUEUE = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
CANNED_ID = r"^[a-z0-9][a-z0-9_-]{0,63}$"
X_ID = r"^[1-9][0-9]{0,19}$"
IDEMPOTENCY_KEY = r"^[\x21-\x7e]{1,200}$"

# Lone surrogates cannot be stored or posted; C0 controls other than tab and newlines have no place in a
# reply. HTML is allowed: it is data, stored and returned as JSON, never rendered by the API.
_FORBIDDEN = re.compile(r"[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def checked_text(value: str) -> str:
    bad = _FORBIDDEN.search(value)
    if bad:
        char = bad.group(0)
        kind = (
            "an unpaired surrogate (invalid Unicode)"
            if "\ud800" <= char <= "\udfff"
            else "a control character"
        )
        raise ValueError(f"contains {kind} U+{ord(char):04X} at position {bad.start()}")
    if is_blank(value):
        raise ValueError("is empty (only spaces or invisible characters)")
    return value


def checked_variables(value: dict[str, str] | None) -> dict[str, str] | None:
    for name, text in (value or {}).items():
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", name):
            raise ValueError(f"{name!r} is not a placeholder name (lower case letters, digits, _)")
        if len(text) > 500 or _FORBIDDEN.search(text):
            raise ValueError(f"the value of {name} is longer than 500 characters or not valid text")
    return value


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReplyBody(_Request):
    text: str | None = Field(default=None, min_length=1, max_length=MAX_TEXT, description="what to send")
    canned_response_id: str | None = Field(
        default=None, pattern=CANNED_ID, description="send this canned response instead of `text`"
    )
    variables: dict[str, str] | None = Field(
        default=None, max_length=20, description="values for the canned response's own placeholders"
    )
    channel: Literal["public", "dm"] | None = Field(
        default=None,
        description="public: in the customer's thread on X; dm: by direct message. Default: "
        "the case's channel",
    )
    in_reply_to_id: str | None = Field(
        default=None,
        pattern=X_ID,
        description="public replies: the customer's post to reply under (default: their latest in the case)",
    )

    @field_validator("text")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        return None if value is None else checked_text(value)

    @field_validator("variables")
    @classmethod
    def _variables(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        return checked_variables(value)

    @model_validator(mode="after")
    def _one_source(self) -> ReplyBody:
        if (self.text is None) == (self.canned_response_id is None):
            raise ValueError("give either text or canned_response_id")
        return self


class PreviewBody(_Request):
    text: str | None = Field(default=None, max_length=MAX_TEXT, description="the draft (may be empty)")
    canned_response_id: str | None = Field(
        default=None, pattern=CANNED_ID, description="preview this canned response, filled in, instead"
    )
    variables: dict[str, str] | None = Field(default=None, max_length=20)
    channel: Literal["public", "dm"] | None = Field(default=None, description="default: the case's channel")
    in_reply_to_id: str | None = Field(default=None, pattern=X_ID)

    @field_validator("text")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        # An empty or blank draft is previewed (the answer says it is empty); invalid Unicode is not.
        if value is not None and _FORBIDDEN.search(value):
            return checked_text(value)
        return value

    @field_validator("variables")
    @classmethod
    def _variables(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        return checked_variables(value)

    @model_validator(mode="after")
    def _one_source(self) -> PreviewBody:
        if (self.text is None) == (self.canned_response_id is None):
            raise ValueError("give either text or canned_response_id")
        return self


class PresenceBody(_Request):
    typing: bool = Field(description="true while the agent is typing a reply")


class NoteBody(_Request):
    text: str = Field(min_length=1, max_length=MAX_NOTE, description="seen by agents only, never sent")

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return checked_text(value)


class ReassignBody(_Request):
    queue: str | None = Field(default=None, pattern=QUEUE, description="move the case to this queue")
    agent_id: str | None = Field(default=None, pattern=AGENT_ID, description="hand the case to this agent")
    reason: str = Field(default="", max_length=MAX_REASON, description="kept with the routing correction")

    @model_validator(mode="after")
    def _one_target(self) -> ReassignBody:
        if (self.queue is None) == (self.agent_id is None):
            raise ValueError("give either queue or agent_id")
        if _FORBIDDEN.search(self.reason):
            raise ValueError("reason contains a control character or invalid Unicode")
        return self


class ReasonBody(_Request):
    reason: str = Field(default="", max_length=MAX_REASON)

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        if _FORBIDDEN.search(value):
            raise ValueError("contains a control character or invalid Unicode")
        return value


class BatchResolveBody(ReasonBody):
    case_ids: list[str] = Field(min_length=1, max_length=100, description="the cases to resolve at once")

    @field_validator("case_ids")
    @classmethod
    def _ids(cls, value: list[str]) -> list[str]:
        if not all(re.fullmatch(CASE_ID, v) for v in value):
            raise ValueError("each case id must look like 1000-t1790000000000000001")
        return value


class BatchResolveOut(BaseModel):
    results: dict[str, str] = Field(description='case id -> "resolved", or why it was not')


class LikeOut(BaseModel):
    case_id: str
    post_id: str = Field(description="the customer's post the brand liked on X")


class FollowOut(BaseModel):
    case_id: str
    user_id: str
    username: str
    following: bool = Field(description="false while a protected account has not approved the follow")


class ClosedCaseOut(BaseModel):
    id: str
    customer: str
    closed_reason: str | None
    created_at: datetime
    text: str = Field(description="the customer's first message, as the classifier saw it")


class ClosedCasesOut(BaseModel):
    cases: list[ClosedCaseOut]


class CannedBody(_Request):
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(
        min_length=1,
        max_length=5000,
        description="placeholders: {customer_name} {customer_handle} {agent_name} {brand_handle} {case_id}, "
        "or any {name} the agent fills in with `variables`; {{ and }} are literal braces",
    )

    @field_validator("title", "text")
    @classmethod
    def _text(cls, value: str) -> str:
        return checked_text(value)


# ---------------------------------------------------------------------------------------------- responses


class ErrorDetail(BaseModel):
    field: str
    problem: str


class ErrorInfo(BaseModel):
    code: str = Field(description="stable, for programs: not_found, forbidden, claimed_by_other, ...")
    message: str = Field(description="for people: what is wrong and what to do")
    holder: str | None = Field(default=None, description="claimed_by_other: the agent who holds the case")
    holder_name: str | None = Field(
        default=None, description="claimed_by_other: the holder's display name (their id if they have none)"
    )
    details: list[ErrorDetail] | None = None


class ErrorOut(BaseModel):
    error: ErrorInfo
    reply: ReplyView | None = Field(default=None, description="a reply X did not take: its delivery status")


class Health(BaseModel):
    status: str
    version: str


class Me(BaseModel):
    agent_id: str
    brand_id: str
    name: str
    role: str
    queues: list[str]


class CustomerOut(BaseModel):
    id: str
    username: str
    name: str
    followers: int
    verified: bool


class CustomerDetailOut(CustomerOut):
    earlier_cases: list[EarlierCase] = Field(
        description="the customer's other cases with the brand, newest first (at most 10)"
    )


class DecisionOut(BaseModel):
    at: datetime
    kind: str
    value: str
    reason: str
    by: str


class CaseSummaryOut(BaseModel):
    id: str
    queue: str
    status: str
    priority: str
    channel: str
    customer: CustomerOut
    assignee: str | None
    skill: str | None
    language: str | None
    created_at: datetime
    first_message_at: datetime
    first_response_due: datetime | None
    first_response_at: datetime | None
    sla_met: bool | None
    messages: int
    due_clock: str | None = Field(
        description="the SLA clock the case is racing now: first_response, next_response or resolution "
        "(none when closed or paused)"
    )
    due_at: datetime | None = Field(description="when that clock runs out: count down to it")
    at_risk_at: datetime | None = Field(description="when that clock turns at risk (80% of its target)")
    first_line: str = Field(
        description="the first line of the customer's first message in the case (up to 140 characters)"
    )
    sentiment: str | None = Field(description="the classifier's sentiment label, if any")

    @classmethod
    def of(cls, case: Case) -> CaseSummaryOut:
        return cls(
            id=case.id,
            queue=case.queue,
            status=case.status.value,
            priority=case.priority,
            channel=case.channel.value,
            customer=CustomerOut(**case.customer.model_dump()),
            assignee=case.assignee,
            skill=case.skill,
            language=case.language,
            created_at=case.created_at,
            first_message_at=case.first_message_at,
            first_response_due=case.first_response_due,
            first_response_at=case.first_response_at,
            sla_met=case.sla_met,
            messages=len(case.message_ids),
            **_racing(case),
            first_line=_first_line(case.customer_texts[0]) if case.customer_texts else "",
            sentiment=_label(case.classification.get("sentiment")),
        )


def _racing(case: Case) -> dict[str, Any]:
    """The clock an agent has to beat now, for the list's countdown."""
    none: dict[str, Any] = {"due_clock": None, "due_at": None, "at_risk_at": None}
    if not case.status.is_open:
        return none
    if case.first_response_at is None and case.first_response_due is not None:
        return {
            "due_clock": "first_response",
            "due_at": case.first_response_due,
            "at_risk_at": case.at_risk_at,
        }
    if case.next_response_due is not None:
        return {
            "due_clock": "next_response",
            "due_at": case.next_response_due,
            "at_risk_at": case.next_response_at_risk_at,
        }
    if case.resolution_due is not None:
        return {
            "due_clock": "resolution",
            "due_at": case.resolution_due,
            "at_risk_at": case.resolution_at_risk_at,
        }
    return none


def _first_line(text: str, limit: int = 140) -> str:
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _label(value: Any) -> str | None:
    if isinstance(value, dict):
        label = value.get("label")
        return str(label) if label is not None else None
    return str(value) if isinstance(value, str) else None


class MessageOut(BaseModel):
    id: str
    direction: str = Field(description="in: the customer; out: the brand's reply; note: internal")
    channel: str
    author_id: str
    text: str
    created_at: datetime
    conversation_id: str | None
    in_reply_to_id: str | None
    classification: dict[str, Any] | None
    delivery: ReplyView | None = Field(default=None, description="outgoing messages: pending, sent or failed")

    @classmethod
    def of(cls, message: CaseMessage, delivery: ReplyView | None) -> MessageOut:
        return cls(
            id=message.id,
            direction=message.direction,
            channel=message.channel.value,
            author_id=message.author_id,
            text=message.text,
            created_at=message.created_at,
            conversation_id=message.conversation_id,
            in_reply_to_id=message.in_reply_to_id,
            classification=message.classification,
            delivery=delivery,
        )


class XCostItemOut(BaseModel):
    kind: str = Field(description="post_read, owned_read, dm_event_read, post, post_with_url, dm_sent")
    units: int
    usd: float = Field(description="units at X's price")


class XCostOut(BaseModel):
    total_usd: float
    items: list[XCostItemOut] = Field(description="by kind; kinds the conversation did not use are left out")
    left_out: str = Field(description="what X billed the brand that no one conversation owns")

    @classmethod
    def of(cls, lines: list[CostLine]) -> XCostOut:
        return cls(
            total_usd=float(sum((line.usd for line in lines), Decimal(0))),
            items=[XCostItemOut(kind=ln.kind.value, units=ln.units, usd=float(ln.usd)) for ln in lines],
            left_out=LEFT_OUT,
        )


class CaseOut(CaseSummaryOut):
    customer: CustomerDetailOut
    classification: dict[str, Any]
    priority_score: float
    closed_reason: str | None
    updated_at: datetime
    version: int
    reasons: list[DecisionOut] = Field(
        description="every routing, priority, claim and state decision, and why"
    )
    sla: SlaClock
    thread: list[MessageOut] = Field(
        description="oldest first: the customer's messages (in), the brand's replies with the delivery of "
        "every part (out), internal notes (note)"
    )
    presence: list[Presence] = Field(description="the other agents who have the case open now")
    x_cost: XCostOut | None = Field(
        default=None,
        description="what the conversation cost on X at X's prices: the customer's messages read once, the "
        "parts of the brand's replies X took (carebird.casework.costs)",
    )


class PresenceOut(BaseModel):
    presence: list[Presence] = Field(description="the other agents who have the case open now")


class AgentsOut(BaseModel):
    agents: list[AgentView]


class CasesOut(BaseModel):
    cases: list[CaseSummaryOut]


class QueuesOut(BaseModel):
    queues: list[QueueSummary]


class CannedOut(BaseModel):
    canned_responses: list[CannedResponse]


__all__ = [
    "AgentView",
    "AgentsOut",
    "BatchResolveBody",
    "BatchResolveOut",
    "CannedBody",
    "CannedOut",
    "CannedResponse",
    "CaseOut",
    "CaseSummaryOut",
    "CasesOut",
    "ClosedCaseOut",
    "ClosedCasesOut",
    "ErrorOut",
    "FollowOut",
    "Health",
    "LikeOut",
    "Me",
    "MessageOut",
    "NoteBody",
    "PartView",
    "PresenceBody",
    "PresenceOut",
    "PreviewBody",
    "QueuesOut",
    "ReasonBody",
    "ReassignBody",
    "ReplyBody",
    "ReplyPreview",
    "ReplyView",
]
