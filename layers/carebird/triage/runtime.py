"""Wiring for the triage stage's functions: settings -> adapters, built once per warm sandbox."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from carebird.classifier import MentionClassifier
from carebird.classifier import classifier_for as _classifier_for
from carebird.observability import metrics
from carebird.storage.brands import DynamoBrandRepository

if TYPE_CHECKING:
    from carebird.triage.workflow import TriageStep


class SettingsError(RuntimeError):
    """The function's environment is wrong; the message names each variable."""


class TriageSettings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore", case_sensitive=False)

    table_name: str = Field(min_length=1)
    # >1 compresses every SLA target (time-scaled tests and demos); 1 on a real deployment.
    sla_clock_scale: float = Field(default=1.0, gt=0)
    notifications_topic_arn: str | None = None  # where "SLA at risk" and "breached" notices go


class SnsNotifier:
    def __init__(self, topic_arn: str) -> None:
        self._topic_arn = topic_arn
        self._client: Any = None

    def notify(self, subject: str, message: dict[str, Any]) -> None:
        if self._client is None:
            import boto3

            self._client = boto3.client("sns")
        self._client.publish(TopicArn=self._topic_arn, Subject=subject[:100], Message=json.dumps(message))


class PowertoolsSlaMetrics:
    def breach(self, brand_id: str, queue: str, priority: str) -> None:
        # For the alarm: the function's default dimension set (service).
        metrics.add_metric(name="SlaBreaches", unit=MetricUnit.Count, value=1)
        # For finding where it hurts: by brand, queue and priority.
        with single_metric(
            name="SlaBreaches", unit=MetricUnit.Count, value=1, namespace=metrics.namespace
        ) as m:
            m.add_dimension(name="brand", value=brand_id)
            m.add_dimension(name="queue", value=queue)
            m.add_dimension(name="priority", value=priority)


@lru_cache(maxsize=1)
def triage_settings() -> TriageSettings:
    try:
        return TriageSettings()  # type: ignore[call-arg]
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
        raise SettingsError(f"triage function environment: {problems}") from None


@lru_cache(maxsize=1)
def brand_repository() -> DynamoBrandRepository:
    return DynamoBrandRepository(triage_settings().table_name)


@lru_cache(maxsize=1)
def triage_step() -> TriageStep:
    # The route function's whole stack (cases, SLA signals, SNS), imported here rather than at the top:
    # the classify function shares this module and needs none of it at its cold start.
    from carebird.sla_signal import StepFunctionsSignal
    from carebird.storage.cases import DynamoAgentDirectory, DynamoCaseStore
    from carebird.triage.priority import ClassifierPriority
    from carebird.triage.service import TriageService
    from carebird.triage.workflow import TriageStep

    settings = triage_settings()
    table = settings.table_name
    service = TriageService(
        DynamoCaseStore(table),
        DynamoAgentDirectory(table),
        ClassifierPriority(),
        sla_clock_scale=settings.sla_clock_scale,
        signal=StepFunctionsSignal(),
        notifier=SnsNotifier(settings.notifications_topic_arn) if settings.notifications_topic_arn else None,
        sla_metrics=PowertoolsSlaMetrics(),
    )
    from carebird.followup.runtime import survey_answers  # follow-up reads answers to its surveys

    return TriageStep(
        service=service, brand_lookup=brand_repository().get_brand, survey_answers=survey_answers()
    )


@lru_cache(maxsize=32)
def _classifier(sources: tuple[str, ...]) -> MentionClassifier:
    return _classifier_for(sources)


def classifier_for(sources: Sequence[str]) -> MentionClassifier:
    """One classifier per set of model sources, kept while the sandbox is warm (models load once)."""
    return _classifier(tuple(sources))
