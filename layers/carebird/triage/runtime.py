"""Wiring for the triage stage's functions: settings -> adapters, built once per warm sandbox."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from carebird.classifier import MentionClassifier
from carebird.classifier import classifier_for as _classifier_for
from carebird.storage.brands import DynamoBrandRepository
from carebird.storage.cases import DynamoAgentDirectory, DynamoCaseStore
from carebird.triage.priority import ClassifierPriority
from carebird.triage.service import TriageService
from carebird.triage.workflow import TriageStep


class SettingsError(RuntimeError):
    """The function's environment is wrong; the message names each variable."""


class TriageSettings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore", case_sensitive=False)

    table_name: str = Field(min_length=1)


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
    table = triage_settings().table_name
    service = TriageService(DynamoCaseStore(table), DynamoAgentDirectory(table), ClassifierPriority())
    return TriageStep(service=service, brand_lookup=brand_repository().get_brand)


@lru_cache(maxsize=32)
def _classifier(sources: tuple[str, ...]) -> MentionClassifier:
    return _classifier_for(sources)


def classifier_for(sources: Sequence[str]) -> MentionClassifier:
    """One classifier per set of model sources, kept while the sandbox is warm (models load once)."""
    return _classifier(tuple(sources))
