"""Wiring for the triage workflow's writing steps (the Route function, and SlaAlarmFunction, which shares
its code): settings -> adapters, built once per warm sandbox. Nothing here runs at import; the first
invocation builds it all. (The Classify function has its own wiring, carebird.wiring.classify.)"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from carebird.storage.brands import DynamoBrandRepository
from carebird.wiring.settings import SlaClockSettings, load_settings

if TYPE_CHECKING:
    from carebird.triage.steps import TriageStep


class TriageSettings(SlaClockSettings):
    notifications_topic_arn: str | None = None  # where "SLA at risk" and "breached" notices go


@lru_cache(maxsize=1)
def triage_settings() -> TriageSettings:
    return load_settings(TriageSettings, "triage function environment")


@lru_cache(maxsize=1)
def brand_repository() -> DynamoBrandRepository:
    return DynamoBrandRepository(triage_settings().table_name)


@lru_cache(maxsize=1)
def triage_step() -> TriageStep:
    # Imported on the first invocation, as when the Classify function shared this module (it has its own
    # wiring now, carebird.wiring.classify): the Route function's import stays as bench-coldstart measured it.
    from carebird.adapters.aws.metrics import PowertoolsSlaMetrics
    from carebird.adapters.aws.notify import SnsNotifier
    from carebird.storage.agents import DynamoAgentDirectory
    from carebird.storage.cases import DynamoCaseStore
    from carebird.triage.priority import ClassifierPriority
    from carebird.triage.service import TriageService
    from carebird.triage.steps import TriageStep
    from carebird.wiring.sla import sla_signals
    from carebird.wiring.surveys import survey_answers

    settings = triage_settings()
    table = settings.table_name
    service = TriageService(
        DynamoCaseStore(table),
        DynamoAgentDirectory(table),
        ClassifierPriority(),
        sla_clock_scale=settings.sla_clock_scale,
        signals=sla_signals(),
        notifier=SnsNotifier(settings.notifications_topic_arn) if settings.notifications_topic_arn else None,
        sla_metrics=PowertoolsSlaMetrics(),
    )
    # A customer's answer to a follow-up survey goes onto the surveyed case.
    return TriageStep(
        service=service, brand_lookup=brand_repository().get_brand, survey_answers=survey_answers()
    )
