"""What the ingestion read adapters (`carebird.adapters.x.mentions`, `carebird.adapters.x.dms`) share:
one reader shape (`TweepyFeedReader`: a brand's client, one request, one page), turning tweepy's and
requests' failures into `carebird.ports.x`, reading X's JSON envelope and its rate-limit headers."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, TypeVar

import requests
import tweepy
from requests.adapters import BaseAdapter

from carebird.adapters.x.client import (
    DEFAULT_RATE_WINDOW,
    BrandClients,
    CredentialsLoader,
    describe,
    reset_at,
)
from carebird.adapters.x.spend import SpendMeter
from carebird.brands import Brand
from carebird.ingest.model import Author, M, Page, RateLimit
from carebird.ports.x import TransientXError, XAuthError, XBadRequest, XRateLimited

# Who wrote a post or sent a DM, as triage needs it (GET /2/users, `carebird.adapters.x.users`).
USER_FIELDS = ["username", "name", "public_metrics", "verified", "verified_type", "protected"]

Q = TypeVar("Q")


class BrandReader:
    """What a read adapter of X holds: the brands' clients (rebuilt when a secret rotates, metered when a
    meter is given) and the clock that dates a rate limit's reset."""

    def __init__(
        self,
        credentials: CredentialsLoader,
        base_url: str | None = None,
        *,
        timeout_seconds: float = 10.0,
        transport: BaseAdapter | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        meter: SpendMeter | None = None,
    ) -> None:
        self._clients = BrandClients(
            credentials, base_url, timeout_seconds=timeout_seconds, transport=transport, meter=meter
        )
        self._clock = clock


class TweepyFeedReader(BrandReader, ABC, Generic[Q, M]):
    """Implements `carebird.ingest.ports.FeedReader`: one page of a brand's feed per call, in the brand
    account's user context. A feed says which request it makes and how it reads the page X returned."""

    what: ClassVar[str]  # the request, as errors name it ("mentions", "DM events")
    source: ClassVar[str]  # what the answer holds, as errors name it ("mentions timeline", "DM events")

    def read(self, brand: Brand, query: Q) -> Page[M]:
        client = self._clients.client(brand.credentials_secret, brand)
        with x_errors(brand, self.what, self._clock):
            response = self._request(client, brand, query)
        body = json_object(response, self.source)
        messages, reads = self._messages(body)
        meta = body.get("meta") or {}
        return Page(
            messages=messages,
            next_token=meta.get("next_token") or None,
            rate=rate_limit(response.headers),
            reads=reads,
        )

    @abstractmethod
    def _request(self, client: tweepy.Client, brand: Brand, query: Q) -> requests.Response:
        """The feed's GET, with the fields and expansions it needs."""

    @abstractmethod
    def _messages(self, body: dict[str, Any]) -> tuple[list[M], int]:
        """The page's messages, newest first, and how many reads X bills for it."""


@contextmanager
def x_errors(brand: Brand, what: str, clock: Callable[[], datetime]) -> Iterator[None]:
    """Raise the typed `carebird.ports.x` for whatever tweepy or requests raised in the block."""
    try:
        yield
    except tweepy.TooManyRequests as exc:
        reset = reset_at(getattr(exc.response, "headers", None), clock() + DEFAULT_RATE_WINDOW)
        raise XRateLimited(reset, f"X {what} rate limit exhausted") from None
    except (tweepy.Unauthorized, tweepy.Forbidden) as exc:
        raise XAuthError(f"X refused the credentials of @{brand.handle}: {describe(exc)}") from None
    except tweepy.TwitterServerError as exc:
        raise TransientXError(f"X server error: {describe(exc)}") from None
    except tweepy.HTTPException as exc:
        raise XBadRequest(f"X rejected the {what} request: {describe(exc)}") from None
    except requests.RequestException as exc:
        raise TransientXError(f"X unreachable: {type(exc).__name__}: {exc}") from None


def json_object(response: requests.Response, what: str) -> dict[str, Any]:
    """The response body. A 200 carrying only `errors` is an error, not an empty page: X answers so when
    the user itself is missing or suspended, and reading that as "nothing new" would hide a misconfigured
    brand forever."""
    try:
        body = response.json()
    except ValueError as exc:
        raise TransientXError(f"X returned a body that is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise TransientXError("X returned JSON that is not an object")
    if not body.get("data") and body.get("errors"):
        details = "; ".join(str(e.get("detail") or e.get("title") or e) for e in body["errors"])
        raise XBadRequest(f"X could not read the {what}: {details}")
    return body


def included_users(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    includes = body.get("includes") or {}
    return {u["id"]: u for u in includes.get("users") or [] if isinstance(u, dict) and "id" in u}


def author_of(user: dict[str, Any]) -> Author:
    """A user object of X (with USER_FIELDS) as the author of a message."""
    metrics = user.get("public_metrics")
    return Author(
        id=str(user["id"]),
        username=str(user.get("username") or ""),
        name=str(user.get("name") or ""),
        followers_count=metrics.get("followers_count") if isinstance(metrics, dict) else None,
        verified=user.get("verified"),
        verified_type=user.get("verified_type"),
        protected=user.get("protected"),
    )


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def rate_limit(headers: Any) -> RateLimit | None:
    try:
        return RateLimit(
            limit=int(headers["x-rate-limit-limit"]),
            remaining=int(headers["x-rate-limit-remaining"]),
            reset_at=datetime.fromtimestamp(int(headers["x-rate-limit-reset"]), UTC),
        )
    except (KeyError, TypeError, ValueError):
        return None
