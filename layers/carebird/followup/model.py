"""A satisfaction survey of one resolved case: scheduled, sent once, answered (or not)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_WORDING = (
    "Hi @{customer}, your case with {brand} was resolved. How did we do? "
    "Reply with a number from 1 (poor) to 5 (great)."
)


class SurveyStatus(StrEnum):
    DUE = "due"  # waits for its time
    SENT = "sent"  # asked; waiting for the customer's answer
    ANSWERED = "answered"
    SKIPPED = "skipped"  # opted out, or the brand does not survey
    FAILED = "failed"  # X refused both the DM and the public reply


class Survey(BaseModel):
    model_config = ConfigDict(frozen=True)

    case_id: str
    brand_id: str
    brand_handle: str
    customer_id: str
    customer_handle: str
    reply_to_tweet_id: str | None  # the customer's last post, for a public reply
    status: SurveyStatus = SurveyStatus.DUE
    due_at: datetime
    sent_at: datetime | None = None
    channel: str | None = None  # "dm" or "public", once sent
    note: str = ""
    score: int | None = None
    answer: str | None = None


class SurveySettings(BaseModel):
    """A brand's survey settings: settings["survey"] in the brand record."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = True
    delay_minutes: float = Field(default=60.0, ge=0)
    wording: str = DEFAULT_WORDING
    opted_out: tuple[str, ...] = ()  # customer X ids who asked not to be surveyed

    def text_for(self, survey: Survey) -> str:
        return self.wording.format_map(
            {"customer": survey.customer_handle, "brand": survey.brand_handle, "case": survey.case_id}
        )
