"""What the agent sends, what the outbox remembers of it, and what a delivery reports back."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

_X_ID = r"^[1-9][0-9]{0,19}$"


class Channel(StrEnum):
    PUBLIC = "public"  # a reply (or thread of replies) under the customer's post
    DM = "dm"  # a direct message to the customer


class OutgoingReply(BaseModel):
    """One reply an agent sends on a case. `reply_id` names it for good: a retry of the same reply (the
    agent's Idempotency-Key, a Lambda or Step Functions retry) carries the same id and text."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    case_id: str = Field(min_length=1, max_length=200, pattern=r"^[^#\s]+$")
    reply_id: str = Field(min_length=1, max_length=200, pattern=r"^[^#\s]+$")
    brand_id: str = Field(pattern=_X_ID, description="X user id of the brand account that replies")
    channel: Channel
    customer_id: str = Field(pattern=_X_ID, description="X user id of the customer")
    customer_handle: str | None = Field(default=None, description="for messages people read; not sent")
    in_reply_to_tweet_id: str | None = Field(
        default=None, pattern=_X_ID, description="the customer's post to reply under (public replies)"
    )
    text: str

    @model_validator(mode="after")
    def _public_needs_a_post(self) -> OutgoingReply:
        if self.channel is Channel.PUBLIC and self.in_reply_to_tweet_id is None:
            raise ValueError("a public reply needs in_reply_to_tweet_id, the customer's post to reply under")
        return self

    @property
    def text_sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()


class PartStatus(StrEnum):
    PENDING = "pending"  # claimed by a delivery: being sent, or its outcome not yet known
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True)
class ReplyRecord:
    """The outbox's header of a reply: what was asked, so a retry with other content is refused."""

    case_id: str
    reply_id: str
    brand_id: str
    channel: Channel
    customer_id: str
    in_reply_to_tweet_id: str | None
    text_sha256: str
    # The texts of the parts as first planned: a retry resumes this plan, even if splitting changed since.
    parts: tuple[str, ...]
    created_at: datetime

    def same_request(self, other: ReplyRecord) -> bool:
        keys = ("brand_id", "channel", "customer_id", "in_reply_to_tweet_id", "text_sha256")
        return all(getattr(self, k) == getattr(other, k) for k in keys)


@dataclass(frozen=True)
class PartRecord:
    """The delivery record of one post (or DM) of a reply. Index 1 is the first part."""

    index: int
    text: str
    status: PartStatus
    attempt_id: str  # the delivery attempt that last claimed it: the compare-and-swap token
    attempts: int
    lease_until: datetime  # until then, only the claiming attempt may call X for this part
    first_attempt_at: datetime  # X is searched from here (less a margin) for a post whose answer was lost
    in_reply_to: str  # the post this part replies to, or the DM recipient's user id
    x_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    retry_at: datetime | None = None
    may_exist: bool = False  # an attempt's outcome is unknown: X may have posted it
    updated_at: datetime | None = None


class PartOutcomeStatus(StrEnum):
    SENT = "sent"
    FAILED = "failed"
    PENDING = "pending"  # not confirmed yet; delivering again later finishes it without posting twice
    NOT_SENT = "not_sent"  # waits for an earlier part


class DeliveryStatus(StrEnum):
    DELIVERED = "delivered"  # every part is on X
    FAILED = "failed"  # a part failed; `error` says why, for the agent
    IN_PROGRESS = "in_progress"  # a part is pending: deliver again (after `retry_at` if set)


@dataclass(frozen=True)
class PartOutcome:
    index: int
    text: str
    status: PartOutcomeStatus
    x_id: str | None = None
    error_code: str | None = None
    error: str | None = None
    retry_at: datetime | None = None


@dataclass(frozen=True)
class DeliveryResult:
    case_id: str
    reply_id: str
    channel: Channel
    parts: list[PartOutcome] = field(default_factory=list)

    @property
    def status(self) -> DeliveryStatus:
        statuses = {p.status for p in self.parts}
        if statuses == {PartOutcomeStatus.SENT}:
            return DeliveryStatus.DELIVERED
        if PartOutcomeStatus.FAILED in statuses:
            return DeliveryStatus.FAILED
        return DeliveryStatus.IN_PROGRESS

    @property
    def x_ids(self) -> list[str]:
        """The ids X gave the parts sent so far, in thread order."""
        return [p.x_id for p in self.parts if p.x_id is not None]

    @property
    def error(self) -> str | None:
        """Why the reply is not (yet) all on X, in words an agent understands."""
        return next((p.error for p in self.parts if p.status is not PartOutcomeStatus.SENT and p.error), None)

    @property
    def error_code(self) -> str | None:
        return next((p.error_code for p in self.parts if p.status is not PartOutcomeStatus.SENT), None)

    @property
    def retry_at(self) -> datetime | None:
        return next((p.retry_at for p in self.parts if p.retry_at is not None), None)
