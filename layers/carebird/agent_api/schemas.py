"""The agent API's request and response bodies. They are the OpenAPI document's schemas, and the request
models are what validation holds bodies to: unknown fields, wrong types, empty or oversized text and
text that is not valid Unicode are refused with a 422 that names the field."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from carebird.casework.model import CannedResponse, PartView, QueueSummary, ReplyView, SlaClock
from carebird.outbound.text import is_blank
from carebird.triage.model import Case, CaseMessage

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
        for name, text in (value or {}).items():
            if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", name):
                raise ValueError(f"{name!r} is not a placeholder name (lower case letters, digits, _)")
            if len(text) > 500 or _FORBIDDEN.search(text):
                raise ValueError(f"the value of {name} is longer than 500 characters or not valid text")
        return value

    @model_validator(mode="after")
    def _one_source(self) -> ReplyBody:
        if (self.text is None) == (self.canned_response_id is None):
            raise ValueError("give either text or canned_response_id")
        return self


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
        )


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


class CaseOut(CaseSummaryOut):
    classification: dict[str, Any]
    priority_score: float
    closed_reason: str | None
    updated_at: datetime
    version: int
    reasons: list[DecisionOut] = Field(
        description="every routing, priority, claim and state decision, and why"
    )
    sla: SlaClock
    thread: list[MessageOut]


class CasesOut(BaseModel):
    cases: list[CaseSummaryOut]


class QueuesOut(BaseModel):
    queues: list[QueueSummary]


class CannedOut(BaseModel):
    canned_responses: list[CannedResponse]


__all__ = [
    "CannedBody",
    "CannedOut",
    "CannedResponse",
    "CaseOut",
    "CaseSummaryOut",
    "CasesOut",
    "ErrorOut",
    "Health",
    "Me",
    "MessageOut",
    "NoteBody",
    "PartView",
    "QueuesOut",
    "ReasonBody",
    "ReassignBody",
    "ReplyBody",
    "ReplyView",
]
