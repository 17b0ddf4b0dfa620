"""Wiring for outbound delivery: environment -> adapters -> Deliverer, built once per warm container.

A function that sends replies (the agent API's reply route, a Step Functions task) calls
`outbound_deliverer().deliver(reply)`. Nothing here runs at import: settings are read and validated on
the first call, and neither AWS nor X is called until a reply is delivered.

The X adapter (tweepy, requests, OAuth, and Powertools Parameters with boto3 for the credentials) is
loaded when the first call to X is made (`XOnFirstCall`), not when the deliverer is built: the agent API
builds it for every route that touches a case and the follow-up function for every run, and most of them
never call X (it was 65-70 ms of their imports: a sixth of the agent API's, a fifth of the follow-up's).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Protocol

from pydantic import Field, ValidationError

from carebird.brands import Brand
from carebird.observability import metrics
from carebird.outbound.delivery import Deliverer, DeliveryTuning
from carebird.storage.brands import DynamoBrandRepository
from carebird.storage.outbox import DynamoOutboxStore
from carebird.wiring.settings import SettingsError, XApiSettings, problems
from carebird.wiring.spend import spend_meter

if TYPE_CHECKING:
    from carebird.adapters.x.publisher import TweepyPublisher
    from carebird.casework.ports import XEngagement
    from carebird.outbound.ports import XPublisher

    class BrandOnX(XPublisher, XEngagement, Protocol):
        """The brand's X account: posting and DMs for delivery, likes and follows for case work."""


class DeliverySettingsError(SettingsError):
    """The function's environment is wrong; the message names each variable and what is wrong with it."""


class DeliverySettings(XApiSettings):
    """Every field is read from the environment variable of the same name in upper case."""

    x_timeout_seconds: float = Field(default=10.0, gt=0, le=30)
    delivery_max_attempts: int = Field(default=3, ge=1, le=5)
    delivery_lease_seconds: float = Field(default=120.0, gt=0)
    outbox_retention_days: int = Field(default=90, ge=1)

    def tuning(self) -> DeliveryTuning:
        # One call may take the connect and the read timeout in full, plus a little.
        return DeliveryTuning(
            max_attempts=self.delivery_max_attempts,
            lease_seconds=self.delivery_lease_seconds,
            call_budget_seconds=2 * self.x_timeout_seconds + 5,
        )


def load_delivery_settings() -> DeliverySettings:
    try:
        settings = DeliverySettings()  # type: ignore[call-arg]  # required fields come from the environment
        settings.tuning()
    except (ValidationError, ValueError) as exc:
        if isinstance(exc, ValidationError):
            wrong = problems(exc)
        else:
            wrong = f"DELIVERY_LEASE_SECONDS: {exc} (X_TIMEOUT_SECONDS sets how long a call may take)"
        raise DeliverySettingsError(f"outbound delivery configuration: {wrong}") from None
    return settings


class XOnFirstCall:
    """The brand's X account (BrandOnX) whose adapter is imported and built on the first call."""

    def __init__(self, build: Callable[[], BrandOnX]) -> None:
        self._build = build

    @cached_property
    def _x(self) -> BrandOnX:
        return self._build()

    def post_reply(self, brand: Brand, in_reply_to_id: str, text: str) -> str:
        return self._x.post_reply(brand, in_reply_to_id, text)

    def send_dm(self, brand: Brand, participant_id: str, text: str) -> str:
        return self._x.send_dm(brand, participant_id, text)

    def find_reply(self, brand: Brand, in_reply_to_id: str, text: str, since: datetime) -> str | None:
        return self._x.find_reply(brand, in_reply_to_id, text, since)

    def find_dm(self, brand: Brand, participant_id: str, text: str, since: datetime) -> str | None:
        return self._x.find_dm(brand, participant_id, text, since)

    def like(self, brand: Brand, post_id: str) -> None:
        self._x.like(brand, post_id)

    def follow(self, brand: Brand, user_id: str) -> bool:
        return self._x.follow(brand, user_id)


def tweepy_publisher(settings: DeliverySettings) -> TweepyPublisher:
    from carebird.adapters.x.client import secrets_manager_credentials
    from carebird.adapters.x.publisher import TweepyPublisher

    return TweepyPublisher(
        secrets_manager_credentials(settings.secret_max_age_seconds),
        settings.x_api_base_url,
        timeout_seconds=settings.x_timeout_seconds,
        meter=spend_meter(settings.table_name),
    )


@lru_cache(maxsize=1)
def outbound_deliverer() -> Deliverer:
    """The Deliverer on DynamoDB, tweepy and Powertools metrics, validated on first use."""
    settings = load_delivery_settings()
    return Deliverer(
        store=DynamoOutboxStore(
            settings.table_name, retention=timedelta(days=settings.outbox_retention_days)
        ),
        publisher=XOnFirstCall(lambda: tweepy_publisher(settings)),
        brands=DynamoBrandRepository(settings.table_name),
        metrics=metrics,
        tuning=settings.tuning(),
    )
