"""The triage workflow's steps, as the Step Functions Tasks call them (functions/classify/route.py).

The execution input is what ingestion hands off (carebird.ingest.model.IngestedMention.triage_input):
{"brand_id", "mention": {...}, "ingested_at"}; a DM arrives as {"brand_id", "dm": {...}}. The Classify
Task adds "classification"; a failed Classify adds "error" (Step Functions' Catch output).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from carebird.brands import Brand
from carebird.brands.desk import TriageConfigError, load_triage_config
from carebird.cases.model import Channel, Customer, IncomingMessage
from carebird.triage.service import TriageService

Action = Literal[
    "triage",
    "close_noise",
    "needs_human",
    "watch_first_response",
    "sla_at_risk",
    "sla_breach",
    "sla_clock",
    "watch_clock",
]
SLA_ACTIONS = ("watch_first_response", "sla_at_risk", "sla_breach", "sla_clock", "watch_clock")


class BrandNotFound(LookupError):
    """The execution names a brand this deployment does not have (removed since the hand-off)."""


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


class StepInput(BaseModel):
    model_config = ConfigDict(extra="ignore")

    action: Action
    state: ExecutionState
    token: str | None = None  # the Task token of a .waitForTaskToken state
    clock: Literal["next_response", "resolution"] | None = None  # sla_clock, watch_clock
    instance: str | None = None  # sla_clock of next_response: the run this execution watches
    fingerprint: str | None = None  # watch_clock: the clock as sla_clock last saw it

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


class SurveyAnswerReader(Protocol):
    def answer(
        self, brand_id: str, customer_id: str, text: str, conversation_id: str | None, is_dm: bool
    ) -> Any: ...  # an object with .case_id, .score, .reopened, or None


@dataclass
class TriageStep:
    service: TriageService
    brand_lookup: Any  # Callable[[str], Brand | None]
    survey_answers: SurveyAnswerReader | None = None

    def run(self, event: dict[str, Any]) -> dict[str, Any]:
        step = StepInput.model_validate(event)
        brand: Brand | None = self.brand_lookup(step.brand_id)
        if brand is None:
            raise BrandNotFound(f"brand {step.brand_id} is not configured in this deployment")
        if step.action in SLA_ACTIONS:
            return self._sla(step, brand)
        message = incoming_message(step)
        try:
            config = brand.config.triage
        except TriageConfigError:
            if step.action != "needs_human":
                raise
            # The brand's own config may be what failed: people still get the message.
            config = load_triage_config(None)
        if step.action != "needs_human" and self.survey_answers is not None:
            answer = self.survey_answers.answer(
                brand.id,
                message.customer.id,
                message.text,
                message.conversation_id,
                message.channel is Channel.DM,
            )
            if answer is not None:  # the customer's rating: it goes on the surveyed case, not a new one
                return self.service.attach(answer.case_id, message, step.classification).model_dump(
                    mode="json"
                )
        if step.action == "needs_human":
            error = step.error or {}
            cause = f"{error.get('Error', 'Unknown')}: {str(error.get('Cause', ''))[:500]}"
            outcome = self.service.needs_human(message, cause, config)
        elif step.action == "close_noise":
            outcome = self.service.close_noise(message, step.classification, config)
        else:
            outcome = self.service.triage(message, step.classification, config)
        return outcome.model_dump(mode="json")

    def _sla(self, step: StepInput, brand: Brand) -> dict[str, Any]:
        case_id = str((step.state.outcome or {}).get("value", {}).get("case_id") or "")
        if not case_id:
            raise ValueError(
                f"{step.action} needs the Route step's outcome (a case id) in the execution state"
            )
        if step.action == "watch_first_response":
            if not step.token:
                raise ValueError("watch_first_response needs the Task token")
            return {"waiting": self.service.watch_first_response(case_id, step.token)}
        if step.action == "sla_at_risk":
            return {"breach_in_seconds": self.service.sla_at_risk(case_id)}
        if step.action in ("sla_clock", "watch_clock") and step.clock is None:
            raise ValueError(f"{step.action} needs the clock (next_response or resolution)")
        if step.action == "watch_clock":
            if not step.token or step.fingerprint is None:
                raise ValueError("watch_clock needs the Task token and the clock's fingerprint")
            assert step.clock is not None
            return {"waiting": self.service.watch_clock(case_id, step.clock, step.token, step.fingerprint)}
        config = brand.config.triage
        if step.action == "sla_clock":
            assert step.clock is not None
            return self.service.sla_clock(case_id, step.clock, step.instance, config)
        return self.service.sla_breach(case_id, config).model_dump(mode="json")
