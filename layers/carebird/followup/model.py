"""A satisfaction survey of one resolved case: scheduled, sent once, answered (or not)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

# The survey settings are the brand's (one model of its settings); this module keeps their old names.
from carebird.brands.survey import DEFAULT_WORDING as DEFAULT_WORDING
from carebird.brands.survey import SurveySettings as SurveySettings


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
