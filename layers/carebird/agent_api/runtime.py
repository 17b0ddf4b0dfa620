"""Wiring for the reply function: typed settings -> adapters -> CaseWorkService, once per warm sandbox.

Delivery to X is carebird.outbound.service's Deliverer, with its own settings (X_API_BASE_URL, timeouts).

Nothing here runs at import; the first request builds it all (and a wrong environment fails that request
with every bad variable named).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from carebird.agent_api.idempotency import DEFAULT_TTL_SECONDS, PowertoolsOnce, table_persistence
from carebird.casework.service import CaseWorkService
from carebird.followup.runtime import resolved_case_surveys
from carebird.observability import metrics

if TYPE_CHECKING:
    from carebird.casework.reconcile import DeliveryReconciler


class SettingsError(RuntimeError):
    """The function's environment is wrong; the message names each variable."""


class ReplySettings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore", case_sensitive=False)

    table_name: str = Field(min_length=1)
    idempotency_ttl_seconds: int = Field(default=DEFAULT_TTL_SECONDS, ge=60)


@lru_cache(maxsize=1)
def reply_settings() -> ReplySettings:
    try:
        return ReplySettings()  # type: ignore[call-arg]  # required fields come from the environment
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
        raise SettingsError(f"reply function environment: {problems}") from None


@lru_cache(maxsize=1)
def case_work_service() -> CaseWorkService:
    from carebird.outbound.service import outbound_deliverer
    from carebird.sla_signal import StepFunctionsSignal
    from carebird.storage.brands import DynamoBrandRepository
    from carebird.storage.cases import DynamoAgentDirectory, DynamoCaseStore
    from carebird.storage.casework import DynamoCannedResponses, DynamoCorrectionLog

    table = reply_settings().table_name
    deliverer = outbound_deliverer()  # delivery's own settings (X_API_BASE_URL, timeouts, lease)
    return CaseWorkService(
        cases=DynamoCaseStore(table),
        agents=DynamoAgentDirectory(table),
        brands=DynamoBrandRepository(table),
        sender=deliverer,
        deliveries=deliverer.store,
        corrections=DynamoCorrectionLog(table),
        canned=DynamoCannedResponses(table),
        signal=StepFunctionsSignal(),
        metrics=metrics,
        on_resolved=resolved_case_surveys(),
    )


@lru_cache(maxsize=1)
def delivery_reconciler() -> DeliveryReconciler:
    from carebird.casework.reconcile import DeliveryReconciler

    return DeliveryReconciler(case_work_service())


@lru_cache(maxsize=1)
def idempotency() -> PowertoolsOnce:
    settings = reply_settings()
    return PowertoolsOnce(table_persistence(settings.table_name), settings.idempotency_ttl_seconds)
