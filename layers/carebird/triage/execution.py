"""What every step of the triage workflow receives: the execution's state, the step's action and
arguments, and the customer's message read from them, for the Route function's steps (carebird.triage.
steps). The Classify step reads the few fields it needs without these models (carebird.triage.classify).

The execution input is what ingestion hands off (carebird.ingest.model.IngestedMention.triage_input):
{"brand_id", "mention": {...}, "ingested_at", "classifier": {...}}; a DM arrives as {"brand_id", "dm":
{...}, ...}. "classifier" (the brand's settings the Classify step reads) is for that step alone
(carebird.triage.classify), and executions started by the release before have none. The Classify Task
adds "classified"; a failed Classify adds "error" (Step Functions' Catch output).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from carebird.cases.model import Channel, ClockWatch, Customer, IncomingMessage

# The SLA watch's steps: await and evaluate; the others are the steps of its first definition, which
# executions started before an upgrade still run.
SlaAction = Literal[
    "await",
    "evaluate",
    "watch_first_response",
    "sla_at_risk",
    "sla_breach",
    "sla_clock",
    "watch_clock",
]
Action = Literal["triage", "close_noise", "needs_human", SlaAction]
SLA_ACTIONS: tuple[str, ...] = get_args(SlaAction)


class DirectMessage(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    text: str
    created_at: datetime
    sender: dict[str, Any]
    dm_conversation_id: str | None = None


class ExecutionState(BaseModel):
    """The execution's state as the ASL passes it whole (`"state.$": "$"`): a missing field is ours to
    handle, never a States.Runtime failure that would lose the message."""

    model_config = ConfigDict(extra="ignore")

    brand_id: str
    mention: dict[str, Any] | None = None
    dm: DirectMessage | None = None
    classified: dict[str, Any] = Field(default_factory=dict)  # {"value": classification}
    error: dict[str, Any] | None = None
    outcome: dict[str, Any] | None = None  # {"value": Outcome} once Route has run


class AlarmRing(BaseModel):
    """What a clock's alarm (a one-time schedule, carebird.adapters.aws.scheduler) sends when it rings:
    {"sla_alarm": {"case_id", "clock", "at"}}."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    case_id: str = Field(min_length=1)
    clock: Literal["first_response", "next_response", "resolution"]
    at: datetime


class StepInput(BaseModel):
    model_config = ConfigDict(extra="ignore")

    action: Action
    state: ExecutionState
    token: str | None = None  # the Task token of a .waitForTaskToken state
    clock: Literal["next_response", "resolution"] | None = None  # sla_clock, watch_clock
    instance: str | None = None  # sla_clock of next_response: the run this execution watches
    fingerprint: str | None = None  # watch_clock: the clock as sla_clock last saw it
    watch: ClockWatch | None = None  # await, evaluate: what the SLA watch follows
    woken_by: str | None = None  # evaluate: LookAgain (woken) or States.Timeout (the clock's moment)

    @property
    def brand_id(self) -> str:
        return self.state.brand_id

    @property
    def mention(self) -> dict[str, Any] | None:
        return self.state.mention

    @property
    def dm(self) -> DirectMessage | None:
        return self.state.dm

    @property
    def classification(self) -> dict[str, Any]:
        value = self.state.classified.get("value")
        return value if isinstance(value, dict) else {}

    @property
    def error(self) -> dict[str, Any] | None:
        return self.state.error


def incoming_message(step: StepInput) -> IncomingMessage:
    if step.mention is not None:
        post = step.mention
        author = post.get("author") or {}
        replied_to = next(
            (r["id"] for r in post.get("referenced") or () if r.get("type") == "replied_to"), None
        )
        return IncomingMessage(
            brand_id=step.brand_id,
            id=str(post["id"]),
            channel=Channel.PUBLIC,
            customer=_customer(author),
            text=str(post.get("text") or ""),
            created_at=post["created_at"],
            conversation_id=post.get("conversation_id"),
            in_reply_to_id=replied_to,
            engagement={k: int(v) for k, v in (post.get("public_metrics") or {}).items()},
            lang=post.get("lang"),
        )
    if step.dm is not None:
        return IncomingMessage(
            brand_id=step.brand_id,
            id=step.dm.id,
            channel=Channel.DM,
            customer=_customer(step.dm.sender),
            text=step.dm.text,
            created_at=step.dm.created_at,
        )
    raise ValueError("a triage step needs a mention or a dm")


def _customer(author: dict[str, Any]) -> Customer:
    return Customer(
        id=str(author.get("id") or ""),
        username=str(author.get("username") or ""),
        name=str(author.get("name") or ""),
        followers=int(author.get("followers_count") or author.get("followers") or 0),
        verified=bool(author.get("verified")),
    )
