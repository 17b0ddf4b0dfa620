"""Cases: one customer's conversation with a brand, with every decision taken on it and why."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class CaseStatus(StrEnum):
    QUEUED = "queued"  # waiting in its queue for an agent
    ASSIGNED = "assigned"  # an agent holds it
    PENDING_CUSTOMER = "pending_customer"  # answered; waiting on the customer (SLA clock paused)
    RESOLVED = "resolved"
    CLOSED = "closed"  # no work: spam, praise, or closed after resolution

    @property
    def is_open(self) -> bool:
        return self in (CaseStatus.QUEUED, CaseStatus.ASSIGNED, CaseStatus.PENDING_CUSTOMER)


class Channel(StrEnum):
    PUBLIC = "public"
    DM = "dm"


class Customer(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    username: str = ""
    name: str = ""
    followers: int = 0
    verified: bool = False


class CaseMessage(BaseModel):
    """A message in the case's thread: the customer's posts and DMs, the brand's replies, internal notes."""

    model_config = ConfigDict(frozen=True)

    id: str  # X post or DM event id; for notes and outgoing messages a generated id
    direction: str  # "in" (customer), "out" (brand), "note" (internal)
    channel: Channel
    author_id: str
    text: str
    created_at: datetime
    conversation_id: str | None = None
    in_reply_to_id: str | None = None
    engagement: dict[str, int] = Field(default_factory=dict)
    classification: dict[str, Any] | None = None
    # Outgoing messages: the delivery as last recorded ({status, x_ids, error_code, error}); the outbox
    # (carebird.outbound) holds the live state, this snapshot outlives its retention.
    delivery: dict[str, Any] | None = None


class Decision(BaseModel):
    """Why the case is where it is. Every routing, priority, threading and closing choice adds one."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    kind: str  # queue | priority | assignment | threaded | closed | needs_human | reopened ...
    value: str
    reason: str
    by: str = "triage"


class Case(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    brand_id: str
    customer: Customer
    channel: Channel
    status: CaseStatus
    queue: str
    skill: str | None = None
    language: str | None = None
    assignee: str | None = None
    priority: str = "P3"
    priority_score: float = 0.0
    classification: dict[str, Any] = Field(default_factory=dict)
    conversation_ids: tuple[str, ...] = ()
    message_ids: tuple[str, ...] = ()
    decisions: tuple[Decision, ...] = ()
    created_at: datetime
    updated_at: datetime
    first_message_at: datetime
    first_response_due: datetime | None = None
    first_response_at: datetime | None = None
    sla_met: bool | None = None
    # The task token of the SLA watch waiting for the first response, as the release before kept it on
    # the case: read (the first reply wakes it), never written. The watch's key is now in `watched`
    # ("first_response"), its token beside the case (carebird.sla.ports.watch_key).
    first_response_task_token: str | None = None
    at_risk_at: datetime | None = None  # when the assignee and supervisors are told the SLA is at risk
    sla_breaches: int = 0
    # Next response (carebird.sla.clocks): the customer wrote again after a reply; the brand owes an
    # answer by next_response_due. `next_response_since` is the customer's message that started it.
    next_response_since: datetime | None = None
    next_response_due: datetime | None = None
    next_response_at_risk_at: datetime | None = None
    # Resolution: due while the clock runs; paused (due None, the business time left kept) while the
    # case waits on the customer.
    resolution_window_s: float | None = None  # the whole target in (scaled) business seconds
    resolution_due: datetime | None = None
    resolution_at_risk_at: datetime | None = None
    resolution_paused_at: datetime | None = None
    resolution_left_s: float | None = None
    # The clocks an SLA watch waits on (first_response, next_response, resolution), each with the key
    # of its task token (carebird.sla.ports.watch_key), the token kept in an item of its own beside the
    # case: a Step Functions token is up to 2 KB of random text, and in the case item it would cost every
    # save 2-3 write units. A change that moves the clock (paused, resumed, escalated) wakes its watch to
    # look again; one that stops it ends it; the first reply wakes the first-response watch.
    watched: dict[str, str] = Field(default_factory=dict)
    # The same as the release before kept it: the tokens themselves, by clock name. Read (a case saved
    # then still wakes its watches), never written: the watch's next Await moves its clock to `watched`.
    clock_tokens: dict[str, str] = Field(default_factory=dict)
    closed_reason: str | None = None
    # The customer's words as the inbox lists and searches them: the first message and the latest few,
    # each cut to CUSTOMER_TEXT_CHARS (the thread itself is stored apart: carebird.storage.cases).
    customer_texts: tuple[str, ...] = ()
    version: int = 0
    # How many of `decisions` are counted in the reports' counters (carebird.reports.tallies).
    tallied: int = 0

    def with_decision(self, decision: Decision, **changes: Any) -> Case:
        return self.model_copy(update={"decisions": (*self.decisions, decision), **changes})


def priority_rank(level: str) -> int:
    """1 for P1 (the most urgent) to 4 for P4; anything else ranks below them all."""
    return int(level[1:]) if level[:1] == "P" and level[1:].isdigit() else 9


def resolved_at(case: Case) -> datetime | None:
    """When a case that is no longer open was resolved (or closed without resolution); None while open."""
    if case.status.is_open:
        return None
    ends = [d.at for d in case.decisions if d.kind in ("resolved", "closed")]
    return max(ends) if ends else case.updated_at


CUSTOMER_TEXT_CHARS = 500
CUSTOMER_TEXTS_KEPT = 5


def with_customer_text(texts: tuple[str, ...], text: str) -> tuple[str, ...]:
    """`texts` with the customer's new message: the first one and the latest ones are kept."""
    added = (*texts, text[:CUSTOMER_TEXT_CHARS])
    if len(added) <= CUSTOMER_TEXTS_KEPT:
        return added
    return (added[0], *added[-(CUSTOMER_TEXTS_KEPT - 1) :])


class Agent(BaseModel):
    """An agent of a brand: what they can handle, and how much at once."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9_.@-]{1,64}$")
    brand_id: str
    name: str = ""
    skills: tuple[str, ...] = ()
    languages: tuple[str, ...] = ("en",)
    capacity: int = Field(default=5, ge=1, le=100)
    available: bool = True
    role: str = Field(default="agent", pattern=r"^(agent|supervisor)$")
    open_cases: int = 0
    last_assigned_at: datetime | None = None

    def can_take(self, capability: str, language: str | None) -> bool:
        """`capability` is the case's skill, or for a case without one (triage, needs-human) its queue:
        an agent sorts the triage queue only if "triage" is among their skills."""
        if not self.available or self.open_cases >= self.capacity:
            return False
        if capability not in self.skills:
            return False
        return language is None or not self.languages or language in self.languages


class IncomingMessage(BaseModel):
    """What triage receives for one customer message: a mention (public) or a DM."""

    model_config = ConfigDict(frozen=True)

    brand_id: str
    id: str
    channel: Channel
    customer: Customer
    text: str
    created_at: datetime
    conversation_id: str | None = None
    in_reply_to_id: str | None = None
    engagement: dict[str, int] = Field(default_factory=dict)
    lang: str | None = None


class ClockWatch(BaseModel):
    """What one SLA watch execution follows (infra/statemachine/sla_watch.asl.json, carebird.sla.watch):
    its clock (first_response, then resolution; or one next_response run, `instance`), how long its Await
    state waits at most, the clock as last looked at (`fingerprint`; none for the first response), and
    whether the clock stopped (the Await then ends the execution)."""

    clock: str
    instance: str | None = None
    wait_seconds: int = 1
    fingerprint: str | None = None
    stopped: bool = False


class Outcome(BaseModel):
    """What the workflow learns from triage; the Choice states after Route read it."""

    case_id: str
    status: CaseStatus
    queue: str
    priority: str
    assignee: str | None = None
    threaded: bool = False
    first_response_due: datetime | None = None
    reason: str = ""
    # For the workflow's SLA watch: wait for the first response, at most until at-risk, then breach.
    await_first_response: bool = False
    at_risk_in_seconds: int = 1
    breach_in_seconds: int = 1
    # A next-response clock this message started, for the workflow to watch (carebird.sla.clocks).
    watch_clock: str | None = None
    clock_instance: str | None = None
    # The SLA watch execution the triage workflow of the release before started, and what it followed
    # (its Evaluate state replaces it after each look). This release starts none: the clocks have alarms
    # (carebird.sla.alarms); the fields stay for the state of executions started before the upgrade.
    watch_name: str | None = None
    watch: ClockWatch | None = None
