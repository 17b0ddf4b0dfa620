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
    EXPIRED = "expired"  # no answer within the brand's timeout: the case is closed
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
    conversation_ids: tuple[str, ...] = ()  # a post in one of these answers the survey (as does a DM)
    status: SurveyStatus = SurveyStatus.DUE
    due_at: datetime
    sent_at: datetime | None = None
    answer_by: datetime | None = None  # sent_at + the brand's answer timeout
    channel: str | None = None  # "dm" or "public", once sent
    note: str = ""
    score: int | None = None
    answer: str | None = None  # the customer's words, as written (also when they gave no rating)
    answered_at: datetime | None = None
    queue: str = ""  # the case's queue when it was resolved: its score counts there in the reports


class SurveySettings(BaseModel):
    """A brand's survey settings: settings["survey"] in the brand record."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = True
    delay_minutes: float = Field(default=60.0, ge=0)
    answer_timeout_hours: float = Field(default=72.0, gt=0)  # then the resolved case is closed
    low_score: int = Field(default=2, ge=1, le=5)  # this score or lower reopens the case
    reopen_queue: str = "escalations"  # where a low score sends the case: supervisors read it
    wording: str = DEFAULT_WORDING
    opted_out: tuple[str, ...] = ()  # customer X ids who asked not to be surveyed

    def text_for(self, survey: Survey) -> str:
        return self.wording.format_map(
            {"customer": survey.customer_handle, "brand": survey.brand_handle, "case": survey.case_id}
        )
