"""Posting replies and sending DMs as a brand, with tweepy (OAuth 1.0a user context of the brand account).

Implements `carebird.outbound.ports.XPublisher`. Clients come from `carebird.adapters.x.client` (the brand's
credentials secret, timeouts, X_API_BASE_URL). X's answers become typed errors:

    403 "not been mentioned or otherwise engaged"  -> ReplyNotAllowed   (X's 2026 reply rule)
    403 "deleted or not visible"                   -> ReplyTargetGone
    403 "cannot send messages to this user"        -> DmNotAllowed
    403 "duplicate content"                        -> DuplicateContent
    403 "text is too long"                         -> PostTooLong
    other 401/403                                  -> XAuthError
    429                                            -> XRateLimited(reset_at from x-rate-limit-reset)
    5xx, read timeout, dropped connection          -> OutcomeUnknown (a write X may have carried out)
    connect timeout                                -> TransientXError (nothing reached X)
    other 4xx                                      -> XBadRequest

`find_reply` and `find_dm` look for a post or DM whose creation was never confirmed: the brand's own
timeline (GET /2/users/:id/tweets, since the later of the parent post and the first attempt) for a reply to
the same post with the same text, or the DM conversation with the customer. Texts are compared as X
returns them: links replaced by t.co, `&`, `<` and `>` as HTML entities.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

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
from carebird.outbound.errors import (
    DmNotAllowed,
    DuplicateContent,
    OutcomeUnknown,
    PostTooLong,
    ReplyNotAllowed,
    ReplyTargetGone,
    XRefused,
)
from carebird.ports.x import TransientXError, XAuthError, XBadRequest, XRateLimited

TWITTER_EPOCH_MS = 1288834974657
_REFUSALS: tuple[tuple[str, type[XRefused]], ...] = (
    ("not been mentioned or otherwise engaged", ReplyNotAllowed),
    ("reply to this conversation is not allowed", ReplyNotAllowed),
    ("deleted or not visible", ReplyTargetGone),
    ("cannot send messages to this user", DmNotAllowed),
    ("duplicate content", DuplicateContent),
    ("text is too long", PostTooLong),
)
_LINK = re.compile(r"https?://\S+", re.IGNORECASE)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def snowflake_floor(at: datetime) -> int:
    """The smallest X id minted at `at`: a since_id that skips everything older."""
    return max(int(at.timestamp() * 1000) - TWITTER_EPOCH_MS, 0) << 22


def comparable(text: str) -> str:
    """A text as sent and the same text as X returns it compare equal: links, entities and spacing aside."""
    text = unicodedata.normalize("NFC", html.unescape(text))
    return " ".join(_LINK.sub("<link>", text).split())


class TweepyPublisher:
    def __init__(
        self,
        credentials: CredentialsLoader,
        base_url: str | None = None,
        *,
        timeout_seconds: float = 10.0,
        transport: BaseAdapter | None = None,
        clock: Callable[[], datetime] = _utc_now,
        max_lookup_pages: int = 5,
        meter: SpendMeter | None = None,
    ) -> None:
        self._clients = BrandClients(
            credentials, base_url, timeout_seconds=timeout_seconds, transport=transport, meter=meter
        )
        self._clock = clock
        self._max_pages = max_lookup_pages

    # Writes -----------------------------------------------------------------------------------------

    def post_reply(self, brand: Brand, in_reply_to_id: str, text: str) -> str:
        client = self._clients.client(brand.credentials_secret, brand)
        with self._errors(brand, "post", write=True):
            response = client.create_tweet(text=text, in_reply_to_tweet_id=in_reply_to_id, user_auth=True)
        return _created(response, "id")

    def send_dm(self, brand: Brand, participant_id: str, text: str) -> str:
        client = self._clients.client(brand.credentials_secret, brand)
        with self._errors(brand, "direct message", write=True):
            response = client.create_direct_message(participant_id=participant_id, text=text, user_auth=True)
        return _created(response, "dm_event_id")

    def like(self, brand: Brand, post_id: str) -> None:
        """POST /2/users/{brand}/likes: liking a post twice is no error on X."""
        client = self._clients.client(brand.credentials_secret, brand)
        with self._errors(brand, "like", write=True):
            client.like(post_id, user_auth=True)

    def follow(self, brand: Brand, user_id: str) -> bool:
        """POST /2/users/{brand}/following; False when the user's approval is pending (protected)."""
        client = self._clients.client(brand.credentials_secret, brand)
        with self._errors(brand, "follow", write=True):
            response = client.follow_user(user_id, user_auth=True)
        data = _json(response).get("data") or {}
        return bool(data.get("following"))

    # Lookups ----------------------------------------------------------------------------------------

    def find_reply(self, brand: Brand, in_reply_to_id: str, text: str, since: datetime) -> str | None:
        client = self._clients.client(brand.credentials_secret, brand)
        want = comparable(text)
        params: dict[str, Any] = {
            "since_id": str(max(int(in_reply_to_id), snowflake_floor(since))),
            "max_results": 100,
            "tweet_fields": ["referenced_tweets", "created_at", "note_tweet"],
            "exclude": ["retweets"],
            "user_auth": True,
        }
        for page in self._pages(brand, "timeline", client.get_users_tweets, brand.user_id, params):
            for post in page:
                replied_to = {
                    str(ref.get("id"))
                    for ref in post.get("referenced_tweets") or ()
                    if ref.get("type") == "replied_to"
                }
                note = post.get("note_tweet")
                shown = note["text"] if isinstance(note, dict) and note.get("text") else post.get("text", "")
                if in_reply_to_id in replied_to and comparable(shown) == want:
                    return str(post["id"])
        return None

    def find_dm(self, brand: Brand, participant_id: str, text: str, since: datetime) -> str | None:
        client = self._clients.client(brand.credentials_secret, brand)
        want = comparable(text)
        params: dict[str, Any] = {
            "participant_id": participant_id,
            "dm_event_fields": ["id", "text", "sender_id", "created_at", "event_type"],
            "event_types": "MessageCreate",
            "max_results": 100,
            "user_auth": True,
        }
        for page in self._pages(brand, "direct messages", client.get_direct_message_events, None, params):
            for event in page:  # newest first
                created = event.get("created_at")
                if created and datetime.fromisoformat(created.replace("Z", "+00:00")) < since:
                    return None
                if str(event.get("sender_id")) == brand.user_id and comparable(event.get("text", "")) == want:
                    return str(event["id"])
        return None

    def _pages(
        self,
        brand: Brand,
        what: str,
        call: Callable[..., Any],
        user_id: str | None,
        params: dict[str, Any],
    ) -> Iterator[list[dict[str, Any]]]:
        args = (user_id,) if user_id is not None else ()
        for _ in range(self._max_pages):
            with self._errors(brand, what, write=False):
                response: requests.Response = call(*args, **params)
            body = _json(response)
            yield [item for item in body.get("data") or () if isinstance(item, dict)]
            token = (body.get("meta") or {}).get("next_token")
            if not token:
                return
            params = {**params, "pagination_token": token}
        # Not sure it is not there: better to leave the part unconfirmed than to post it twice.
        raise TransientXError(
            f"@{brand.handle}'s {what} since the first attempt run past {self._max_pages} pages"
        )

    # Errors -----------------------------------------------------------------------------------------

    @contextmanager
    def _errors(self, brand: Brand, what: str, *, write: bool) -> Iterator[None]:
        try:
            yield
        except tweepy.TooManyRequests as exc:
            reset = reset_at(exc.response.headers, self._clock() + DEFAULT_RATE_WINDOW)
            raise XRateLimited(reset, f"X {what} rate limit exhausted") from None
        except tweepy.Forbidden as exc:
            detail = " ".join(str(m) for m in exc.api_messages).lower()
            for phrase, refusal in _REFUSALS:
                if phrase in detail:
                    raise refusal(describe(exc)) from None
            raise XAuthError(f"X refused the {what} of @{brand.handle}: {describe(exc)}") from None
        except tweepy.Unauthorized as exc:
            raise XAuthError(f"X refused the credentials of @{brand.handle}: {describe(exc)}") from None
        except tweepy.TwitterServerError as exc:
            if write:
                raise OutcomeUnknown(f"X answered {describe(exc)} to the {what}") from None
            raise TransientXError(f"X server error: {describe(exc)}") from None
        except tweepy.HTTPException as exc:
            raise XBadRequest(f"X rejected the {what}: {describe(exc)}") from None
        except requests.ConnectTimeout as exc:
            raise TransientXError(f"X unreachable: {exc}") from None
        except requests.RequestException as exc:
            # The request may have reached X before the connection failed or the answer timed out.
            if write:
                raise OutcomeUnknown(f"no answer from X to the {what}: {type(exc).__name__}: {exc}") from None
            raise TransientXError(f"X unreachable: {type(exc).__name__}: {exc}") from None


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise TransientXError(f"X returned a body that is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise TransientXError("X returned JSON that is not an object")
    return body


def _created(response: requests.Response, key: str) -> str:
    try:
        body = _json(response)
        return str(body["data"][key])
    except (TransientXError, KeyError, TypeError) as exc:
        # X said yes (2xx) but the id is unreadable: the post exists, so this is not a failure to retry.
        raise OutcomeUnknown(f"X accepted it but its answer has no {key}: {exc}") from None
