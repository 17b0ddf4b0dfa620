"""Wiring for the follow-up function (and the agent API's scheduling of a resolved case's survey), built
once per warm sandbox. The answers to surveys are carebird.wiring.surveys'."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

from carebird.cases.model import Channel
from carebird.followup.service import FollowupService, ResolvedCaseSurveys
from carebird.observability import logger
from carebird.sla.overdue import Overdue, set_overdue_alarms
from carebird.sla.ports import ClockAlarm
from carebird.sla.unanswered import Oldest, oldest_among, waiting_cases
from carebird.storage.brands import DynamoBrandRepository
from carebird.storage.cases import DynamoCaseStore
from carebird.storage.surveys import DynamoSurveyStore
from carebird.wiring.delivery import outbound_deliverer
from carebird.wiring.settings import FunctionSettings, SettingsError, load_settings
from carebird.wiring.surveys import brand_settings_reader
from carebird.wiring.surveys import survey_answers as survey_answers  # the function expires unanswered ones


class FollowupSettings(FunctionSettings):
    """The follow-up function reads only the table (TABLE_NAME); its surveys' settings are the brand's."""


@lru_cache(maxsize=1)
def followup_settings() -> FollowupSettings:
    return load_settings(FollowupSettings, "follow-up environment")


@lru_cache(maxsize=1)
def followup_service() -> FollowupService:
    table = followup_settings().table_name
    return FollowupService(
        DynamoSurveyStore(table),
        outbound_deliverer(),
        brand_settings_reader(table),
        lambda: datetime.now(UTC),
    )


@dataclass(frozen=True)
class SlaSweep:
    """What the minute's look at every waiting case found: the longest wait for a first answer, and the
    SLA alarms set again because their moment passed with no ring (carebird.sla.overdue)."""

    oldest: Oldest
    alarms_set: list[Overdue] = field(default_factory=list)


def sla_sweep_now() -> SlaSweep:
    """One listing of every brand's waiting cases, for both."""
    table = followup_settings().table_name
    brands = DynamoBrandRepository(table).list_brands().brands
    store = DynamoCaseStore(table)
    now = datetime.now(UTC)
    waiting = waiting_cases(brands, store)
    alarm = clock_alarm()
    alarms_set = set_overdue_alarms(waiting, store.get, alarm, now) if alarm is not None else []
    return SlaSweep(oldest_among(waiting, now), alarms_set)


@lru_cache(maxsize=1)
def clock_alarm() -> ClockAlarm | None:
    """The SLA clocks' alarms (the environment the functions that save cases have); None, logged, when the
    function has none (a template before the net): the sweep then only measures the oldest wait."""
    from carebird.wiring.sla import sla_signals

    try:
        return sla_signals().alarm
    except SettingsError as exc:
        logger.warning("overdue SLA alarms are not looked for", extra={"reason": str(exc)})
        return None


@lru_cache(maxsize=1)
def resolved_case_surveys() -> ResolvedCaseSurveys:
    """For the agent API: a resolved case gets its survey scheduled."""
    table = followup_settings().table_name
    brands = DynamoBrandRepository(table)
    cases = DynamoCaseStore(table)

    def brand_handle(brand_id: str) -> str | None:
        brand = brands.get_brand(brand_id)
        return brand.handle if brand else None

    def public_posts(case_id: str) -> list[str]:
        return [m.id for m in cases.messages(case_id) if m.direction == "in" and m.channel is Channel.PUBLIC]

    return ResolvedCaseSurveys(followup_service(), brand_handle, public_posts)
