"""A brand's satisfaction-survey settings: settings["survey"] in the brand record.

They live with the brand (not in `carebird.followup`, which sends the surveys) so that the brand's
settings are one model, validated when the brand is read (`carebird.brands.settings`).
"""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_WORDING = (
    "Hi @{customer}, your case with {brand} was resolved. How did we do? "
    "Reply with a number from 1 (poor) to 5 (great)."
)


class InvalidSurveySettings(ValueError):
    pass


class SurveyAddressee(Protocol):
    """What the wording may name: the follow-up's Survey satisfies this."""

    @property
    def customer_handle(self) -> str: ...
    @property
    def brand_handle(self) -> str: ...
    @property
    def case_id(self) -> str: ...


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

    def text_for(self, survey: SurveyAddressee) -> str:
        return self.wording.format_map(
            {"customer": survey.customer_handle, "brand": survey.brand_handle, "case": survey.case_id}
        )
