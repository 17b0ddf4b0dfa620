"""Wiring for the follow-up function, built once per warm sandbox."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from carebird.brands.settings import BrandSettings
from carebird.followup.cases import FollowupCaseActions
from carebird.followup.service import FollowupService, ResolvedCaseSurveys, SurveyAnswers
from carebird.observability import metrics
from carebird.sla.unanswered import Oldest, oldest_unanswered
from carebird.storage.brands import DynamoBrandRepository
from carebird.storage.cases import DynamoCaseStore
from carebird.storage.surveys import DynamoSurveyStore
from carebird.wiring.delivery import outbound_deliverer
from carebird.wiring.triage import triage_settings


@lru_cache(maxsize=1)
def followup_service() -> FollowupService:
    table = triage_settings().table_name
    brands = DynamoBrandRepository(table)

    def brand_settings(brand_id: str) -> BrandSettings | None:
        brand = brands.get_brand(brand_id)
        return brand.config if brand else None

    return FollowupService(
        DynamoSurveyStore(table), outbound_deliverer(), brand_settings, lambda: datetime.now(UTC)
    )


def oldest_unanswered_now() -> Oldest:
    table = triage_settings().table_name
    brands = DynamoBrandRepository(table).list_brands().brands
    return oldest_unanswered(brands, DynamoCaseStore(table), datetime.now(UTC))


def _brand_settings(table: str) -> Any:
    brands = DynamoBrandRepository(table)

    def settings(brand_id: str) -> BrandSettings | None:
        brand = brands.get_brand(brand_id)
        return brand.config if brand else None

    return settings


@lru_cache(maxsize=1)
def survey_answers() -> SurveyAnswers:
    table = triage_settings().table_name
    return SurveyAnswers(
        DynamoSurveyStore(table),
        FollowupCaseActions(DynamoCaseStore(table)),
        _brand_settings(table),
        metrics,
        lambda: datetime.now(UTC),
    )


@lru_cache(maxsize=1)
def resolved_case_surveys() -> ResolvedCaseSurveys:
    """For the agent API: a resolved case gets its survey scheduled."""
    from carebird.cases.model import Channel

    table = triage_settings().table_name
    brands = DynamoBrandRepository(table)
    cases = DynamoCaseStore(table)

    def brand_handle(brand_id: str) -> str | None:
        brand = brands.get_brand(brand_id)
        return brand.handle if brand else None

    def public_posts(case_id: str) -> list[str]:
        return [m.id for m in cases.messages(case_id) if m.direction == "in" and m.channel is Channel.PUBLIC]

    return ResolvedCaseSurveys(followup_service(), brand_handle, public_posts)
