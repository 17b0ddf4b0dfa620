"""What the ingestion read adapters (`carebird.adapters.x.mentions`, `carebird.adapters.x.dms`) share:
turning tweepy's and requests' failures into `carebird.ports.x`, reading X's JSON envelope and
its rate-limit headers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import requests
import tweepy

from carebird.adapters.x.client import DEFAULT_RATE_WINDOW, describe, reset_at
from carebird.brands import Brand
from carebird.ingest.model import RateLimit
from carebird.ports.x import TransientXError, XAuthError, XBadRequest, XRateLimited

# Who wrote a post or sent a DM, as triage needs it. X returns users in `includes.users`, unbilled.
USER_FIELDS = ["username", "name", "public_metrics", "verified", "verified_type", "protected"]


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
