"""Wiring for the agent API function (AgentApiFunction, functions/reply): typed settings -> adapters ->
CaseWorkService, once per warm sandbox.

Delivery to X is carebird.wiring.delivery's Deliverer, with its own settings (X_API_BASE_URL, timeouts).

Nothing here runs at import; the first request builds it all (and a wrong environment fails that request
with every bad variable named).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import AliasChoices, Field

from carebird.agent_api.idempotency import DEFAULT_TTL_SECONDS, PowertoolsOnce, table_persistence
from carebird.agent_api.inbox import InboxSite, SignInConfig
from carebird.casework.service import CaseWorkService
from carebird.observability import metrics
from carebird.wiring.followup import resolved_case_surveys
from carebird.wiring.settings import EnvironmentSettings, SlaClockSettings, load_settings

if TYPE_CHECKING:
    from carebird.casework.reconcile import DeliveryReconciler
    from carebird.reports.service import ReportService
    from carebird.team.service import TeamService


class ReplySettings(SlaClockSettings):  # the reports show targets as the clocks run them
    idempotency_ttl_seconds: int = Field(default=DEFAULT_TTL_SECONDS, ge=60)
    alarm_name_prefix: str = ""  # the stack's alarms (`<stack>-`) for the team view


@lru_cache(maxsize=1)
def reply_settings() -> ReplySettings:
    return load_settings(ReplySettings, "reply function environment")


class InboxSettings(EnvironmentSettings):
    """The inbox page's settings (template.yaml sets the user pool's; Lambda sets AWS_REGION)."""

    region: str = Field(min_length=1, validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"))
    user_pool_id: str = Field(min_length=1)
    user_pool_client_id: str = Field(min_length=1)
    # Where Cognito answers: AWS's endpoint unless the environment points the AWS SDKs elsewhere (the
    # local stack sets AWS_ENDPOINT_URL to its emulator, as the SDKs' own configuration does).
    cognito_endpoint: str | None = Field(
        default=None,
        validation_alias=AliasChoices("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", "AWS_ENDPOINT_URL"),
    )
    inbox_dir: Path | None = Field(default=None, description="the built page; default: beside the handler")

    def sign_in(self) -> SignInConfig:
        endpoint = self.cognito_endpoint or f"https://cognito-idp.{self.region}.amazonaws.com/"
        return SignInConfig(self.region, self.user_pool_id, self.user_pool_client_id, endpoint)


@lru_cache(maxsize=4)
def inbox_site(default_dir: Path) -> InboxSite:
    """The inbox page from INBOX_DIR, or else `default_dir` (the handler passes the folder beside it)."""
    settings = load_settings(InboxSettings, "reply function environment (inbox)")
    return InboxSite(settings.inbox_dir or default_dir, settings.sign_in())


@lru_cache(maxsize=1)
def case_work_service() -> CaseWorkService:
    from carebird.storage.agents import DynamoAgentDirectory
    from carebird.storage.brands import DynamoBrandRepository
    from carebird.storage.cases import DynamoCaseStore
    from carebird.storage.casework import DynamoCannedResponses, DynamoCorrectionLog
    from carebird.storage.presence import DynamoPresenceBoard
    from carebird.storage.surveys import DynamoSurveyStore
    from carebird.wiring.delivery import XOnFirstCall, outbound_deliverer
    from carebird.wiring.sla import sla_signals

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
        signals=sla_signals(),
        metrics=metrics,
        presence=DynamoPresenceBoard(table),
        scores=DynamoSurveyStore(table),
        on_resolved=resolved_case_surveys(),
        # The same tweepy adapter that posts replies likes and follows as the brand.
        engagement=deliverer.publisher if isinstance(deliverer.publisher, XOnFirstCall) else None,
    )


@lru_cache(maxsize=1)
def delivery_reconciler() -> DeliveryReconciler:
    from carebird.casework.reconcile import DeliveryReconciler

    return DeliveryReconciler(case_work_service())


@lru_cache(maxsize=1)
def idempotency() -> PowertoolsOnce:
    settings = reply_settings()
    return PowertoolsOnce(table_persistence(settings.table_name), settings.idempotency_ttl_seconds)


@lru_cache(maxsize=1)
def report_service() -> ReportService:
    from carebird.reports.service import ReportService
    from carebird.storage.brands import DynamoBrandRepository
    from carebird.storage.counters import DynamoReportCounters

    settings = reply_settings()
    return ReportService(
        DynamoReportCounters(settings.table_name),
        DynamoBrandRepository(settings.table_name),
        clock_scale=settings.sla_clock_scale,
    )


@lru_cache(maxsize=1)
def team_service() -> TeamService:
    from carebird.adapters.aws.alarms import CloudWatchAlarms
    from carebird.storage.agents import DynamoAgentDirectory
    from carebird.storage.cases import DynamoCaseStore
    from carebird.storage.ingest import DynamoIngestStore
    from carebird.team.service import TeamService

    settings = reply_settings()
    return TeamService(
        case_work_service(),
        DynamoCaseStore(settings.table_name),
        DynamoAgentDirectory(settings.table_name),
        CloudWatchAlarms(settings.alarm_name_prefix),
        DynamoIngestStore(settings.table_name),
    )
