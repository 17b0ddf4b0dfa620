"""Wiring for customers' answers to follow-up surveys, which two functions read: Route puts a rating on the
surveyed case (carebird.wiring.triage), Followup closes the surveys nobody answered (carebird.wiring.
followup). Built once per warm sandbox, on the table's settings only, so Route never loads the delivery
wiring (tweepy) it does not use."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache

from carebird.brands.settings import BrandSettings
from carebird.followup.cases import FollowupCaseActions
from carebird.followup.service import SurveyAnswers
from carebird.observability import metrics
from carebird.storage.brands import DynamoBrandRepository
from carebird.storage.cases import DynamoCaseStore
from carebird.storage.surveys import DynamoSurveyStore
from carebird.wiring.settings import FunctionSettings, load_settings


@lru_cache(maxsize=1)
def survey_settings() -> FunctionSettings:
    return load_settings(FunctionSettings, "survey answers environment")


def brand_settings_reader(table: str) -> Callable[[str], BrandSettings | None]:
    """A brand's settings by id (None for an unknown brand), as the follow-up domain reads them."""
    brands = DynamoBrandRepository(table)

    def settings(brand_id: str) -> BrandSettings | None:
        brand = brands.get_brand(brand_id)
        return brand.config if brand else None

    return settings


@lru_cache(maxsize=1)
def survey_answers() -> SurveyAnswers:
    table = survey_settings().table_name
    return SurveyAnswers(
        DynamoSurveyStore(table),
        FollowupCaseActions(DynamoCaseStore(table)),
        brand_settings_reader(table),
        metrics,
        lambda: datetime.now(UTC),
    )
