"""Authenticated tweepy clients for a brand's X account, shared by every adapter that calls X.

A brand's credentials live in the Secrets Manager secret it names (`Brand.credentials_secret`), read
lazily through Powertools Parameters with caching. A client is built per secret, signs with OAuth 1.0a
user context, gives every request a timeout, never sleeps on a 429, and is routed to `X_API_BASE_URL`
when one is configured (see `carebird.adapters.x.transport`). The mentions reader
(`carebird.adapters.x.mentions`) and the publisher (`carebird.adapters.x.publisher`) both build their
clients here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import requests
import tweepy
from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError, TransformParameterError
from pydantic import BaseModel, ConfigDict, ValidationError
from requests.adapters import BaseAdapter

from carebird.adapters.x.transport import route_session
from carebird.brands import Brand
from carebird.ports.x import XAuthError

if TYPE_CHECKING:
    from carebird.adapters.x.spend import SpendMeter

# A 429 without a reset header: assume the whole 15-minute window.
DEFAULT_RATE_WINDOW = timedelta(minutes=15)


class XCredentials(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    consumer_key: str
    consumer_secret: str
    access_token: str
    access_token_secret: str
    bearer_token: str = ""


CredentialsLoader = Callable[[str], XCredentials]


def secrets_manager_credentials(max_age_seconds: int = 300) -> CredentialsLoader:
    """Credentials from the Secrets Manager secret a brand names, cached by Powertools for `max_age`."""

    def load(secret: str) -> XCredentials:
        try:
            value = parameters.get_secret(secret, transform="json", max_age=max_age_seconds)
        except GetParameterError as exc:
            raise XAuthError(f"cannot read X credentials secret {secret!r}: {exc}") from exc
        except TransformParameterError as exc:
            raise XAuthError(f"X credentials secret {secret!r} is not JSON: {exc}") from exc
        return parse_credentials(value, secret)

    return load


def parse_credentials(value: Any, secret: str) -> XCredentials:
    try:
        creds = XCredentials.model_validate(value)
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in e["loc"]) or "(secret)" for e in exc.errors())
        raise XAuthError(f"X credentials secret {secret!r} lacks or has invalid: {fields}") from None
    empty = [
        name
        for name in ("consumer_key", "consumer_secret", "access_token", "access_token_secret")
        if not getattr(creds, name)
    ]
    if empty:
        raise XAuthError(f"X credentials secret {secret!r} has empty: {', '.join(empty)}")
    return creds


class TimeoutSession(requests.Session):
    """tweepy passes no timeout, and a hung connection would hold the function: give every request one."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        return super().request(*args, **kwargs)


class BrandClients:
    """One tweepy.Client per credentials secret, rebuilt when the secret's value changes (rotation)."""

    def __init__(
        self,
        credentials: CredentialsLoader,
        base_url: str | None = None,
        *,
        timeout_seconds: float = 10.0,
        transport: BaseAdapter | None = None,
        meter: SpendMeter | None = None,
    ) -> None:
        self._credentials = credentials
        self._meter = meter  # counts what each brand's calls to X cost
        self._base_url = base_url or None
        self._timeout = timeout_seconds
        self._transport = transport  # tests mount a canned X here
        self._clients: dict[str, tuple[XCredentials, tweepy.Client]] = {}

    def client(self, secret: str, brand: Brand | None = None) -> tweepy.Client:
        """The client for `secret`; with the brand it serves, metered (when a meter is configured)."""
        creds = self._credentials(secret)
        cached = self._clients.get(secret)
        if cached is not None and cached[0] == creds:
            return cached[1]
        client = tweepy.Client(
            bearer_token=creds.bearer_token or None,
            consumer_key=creds.consumer_key,
            consumer_secret=creds.consumer_secret,
            access_token=creds.access_token,
            access_token_secret=creds.access_token_secret,
            return_type=requests.Response,
            wait_on_rate_limit=False,  # never sleep inside a Lambda on a 429: report it and stop
        )
        client.session = TimeoutSession(self._timeout)
        route_session(client.session, self._base_url)
        if self._transport is not None:
            for prefix in ("https://", "http://"):
                client.session.mount(prefix, self._transport)
        if self._meter is not None and brand is not None:
            owned = brand.config.x_app_owned_by_brand
            client.session.hooks["response"].append(self._meter.hook_for(brand, owned_app=owned))
        self._clients[secret] = (creds, client)
        return client


def reset_at(headers: Any, default: datetime) -> datetime:
    """When a rate-limit window ends: X's `x-rate-limit-reset` (epoch seconds), else `default`."""
    try:
        return datetime.fromtimestamp(int((headers or {})["x-rate-limit-reset"]), UTC)
    except (KeyError, TypeError, ValueError):
        return default


def describe(exc: tweepy.HTTPException) -> str:
    """X's status and messages, for errors a person reads."""
    status = getattr(exc.response, "status_code", "?")
    detail = "; ".join(str(m) for m in exc.api_messages) or str(exc)
    return f"{status} {detail}".strip()
