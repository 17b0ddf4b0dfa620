"""A typed client for the emulator's control API, used by the CLI, the demo and tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, TypedDict, cast

import requests

from carebird_ops.xemu.credentials import DEFAULT_APP


class EmulatorUser(TypedDict):
    id: str
    username: str
    name: str
    created_at: str
    access_token: str
    access_token_secret: str
    description: str
    location: str
    url: str
    followers_count: int
    following_count: int
    listed_count: int
    like_count: int
    verified: bool
    verified_type: str
    protected: bool
    accepts_dms: bool


class EmulatorPost(TypedDict):
    id: str
    author_id: str
    author: str
    text: str
    display_text: str
    created_at: str
    lang: str
    conversation_id: str
    in_reply_to_tweet_id: str | None
    in_reply_to_user_id: str | None
    quote_of: str | None
    retweet_of: str | None
    referenced_tweets: list[dict[str, str]]
    mentions: list[str]
    public_metrics: dict[str, int]
    possibly_sensitive: bool
    long: bool
    deleted: bool
    source: str


class EmulatorDm(TypedDict):
    id: str
    dm_conversation_id: str
    sender_id: str
    sender: str
    participants: list[str]
    text: str
    created_at: str
    event_type: str
    source: str


class Credentials(TypedDict, total=False):
    app: str
    consumer_key: str
    consumer_secret: str
    bearer_token: str
    user_id: str
    username: str
    access_token: str
    access_token_secret: str


class EmulatorClientError(RuntimeError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"X API emulator answered {status}: {message}" if status else message)
        self.status = status
        self.message = message


def _instant(value: datetime | float | str) -> float | str:
    return value.isoformat() if isinstance(value, datetime) else value


class EmulatorClient:
    def __init__(
        self, base_url: str, *, timeout: float = 30.0, session: requests.Session | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = session or requests.Session()

    def _call(
        self, method: str, path: str, *, json: Any = None, params: Mapping[str, Any] | None = None
    ) -> Any:
        url = f"{self.base_url}/_emulator/{path.lstrip('/')}"
        try:
            response = self.session.request(method, url, json=json, params=params, timeout=self.timeout)
        except requests.ConnectionError as exc:
            reason = type(exc.__cause__ or exc).__name__
            raise EmulatorClientError(
                0, f"cannot reach the X API emulator at {self.base_url} ({reason})"
            ) from exc
        try:
            body = response.json()
        except ValueError:
            raise EmulatorClientError(response.status_code, response.text[:200] or response.reason) from None
        if response.status_code >= 400:
            message = body.get("error", response.reason) if isinstance(body, dict) else response.reason
            raise EmulatorClientError(response.status_code, str(message))
        return body

    # Whole emulator

    def health(self) -> bool:
        return bool(self._call("GET", "health").get("ok"))

    def reset(self, seed: int | None = None) -> None:
        self._call("POST", "reset", json={} if seed is None else {"seed": seed})

    def settings(self) -> dict[str, int]:
        return cast(dict[str, int], self._call("GET", "settings"))

    def update_settings(self, **settings: int) -> dict[str, int]:
        return cast(dict[str, int], self._call("PUT", "settings", json=settings))

    # Apps, users and credentials

    def create_app(self, name: str, *, enterprise: bool = False) -> dict[str, Any]:
        return cast(dict[str, Any], self._call("POST", "apps", json={"name": name, "enterprise": enterprise}))

    def apps(self) -> list[dict[str, Any]]:
        return cast(list[dict[str, Any]], self._call("GET", "apps"))

    def create_user(
        self,
        username: str,
        *,
        name: str | None = None,
        followers: int = 0,
        following: int = 0,
        verified: bool = False,
        protected: bool = False,
        accepts_dms: bool = True,
        description: str = "",
        created_at: datetime | float | str | None = None,
    ) -> EmulatorUser:
        body: dict[str, Any] = {
            "username": username,
            "followers": followers,
            "following": following,
            "verified": verified,
            "protected": protected,
            "accepts_dms": accepts_dms,
            "description": description,
        }
        if name is not None:
            body["name"] = name
        if created_at is not None:
            body["created_at"] = _instant(created_at)
        return cast(EmulatorUser, self._call("POST", "users", json=body))

    def ensure_user(self, username: str, **attributes: Any) -> EmulatorUser:
        """The user, created with `attributes` if missing (an existing user is left as it is)."""
        try:
            return self.user(username)
        except EmulatorClientError as exc:
            if exc.status != 404:
                raise
        try:
            return self.create_user(username, **attributes)
        except EmulatorClientError as exc:
            if exc.status != 409:  # created meanwhile by someone else
                raise
            return self.user(username)

    def user(self, username: str) -> EmulatorUser:
        return cast(EmulatorUser, self._call("GET", f"users/{username.lstrip('@')}"))

    def users(self) -> list[EmulatorUser]:
        return cast(list[EmulatorUser], self._call("GET", "users"))

    def update_user(self, username: str, **changes: Any) -> EmulatorUser:
        return cast(EmulatorUser, self._call("PATCH", f"users/{username.lstrip('@')}", json=changes))

    def credentials(self, username: str | None = None, *, app: str = DEFAULT_APP) -> Credentials:
        params = {"app": app} | ({"user": username.lstrip("@")} if username else {})
        return cast(Credentials, self._call("GET", "credentials", params=params))

    # Posts

    def post(
        self,
        author: str,
        text: str = "",
        *,
        in_reply_to: str | int | None = None,
        quote_of: str | int | None = None,
        retweet_of: str | int | None = None,
        lang: str | None = None,
        created_at: datetime | float | str | None = None,
        possibly_sensitive: bool = False,
        public_metrics: Mapping[str, int] | None = None,
        create_user: bool = True,
    ) -> EmulatorPost:
        """Post as `author`, as a person would in X's own apps (no API rules apply)."""
        body = _post_spec(
            author,
            text,
            in_reply_to,
            quote_of,
            retweet_of,
            lang,
            created_at,
            possibly_sensitive,
            public_metrics,
        )
        body["create_users"] = create_user
        return cast(EmulatorPost, self._call("POST", "posts", json=body))

    def retweet(self, author: str, post_id: str | int) -> EmulatorPost:
        return self.post(author, retweet_of=post_id)

    def bulk_post(self, posts: Sequence[Mapping[str, Any]], *, create_users: bool = True) -> list[str]:
        """Create many posts in one request; each item takes `post()`'s keyword names plus author/text."""
        specs = [_normalize_spec(p) for p in posts]
        result = self._call("POST", "posts/bulk", json={"posts": specs, "create_users": create_users})
        return cast(list[str], result["ids"])

    def posts(
        self,
        *,
        author: str | None = None,
        mentions: str | None = None,
        conversation_id: str | None = None,
        in_reply_to: str | None = None,
        source: str | None = None,
        since_id: str | None = None,
        include_deleted: bool = False,
        limit: int | None = None,
    ) -> list[EmulatorPost]:
        params: dict[str, Any] = {
            k: v
            for k, v in {
                "author": author,
                "mentions": mentions,
                "conversation_id": conversation_id,
                "in_reply_to": in_reply_to,
                "source": source,
                "since_id": since_id,
                "limit": limit,
            }.items()
            if v is not None
        }
        if include_deleted:
            params["include_deleted"] = "true"
        return cast(list[EmulatorPost], self._call("GET", "posts", params=params))

    def get_post(self, post_id: str | int) -> EmulatorPost:
        return cast(EmulatorPost, self._call("GET", f"posts/{post_id}"))

    def delete_post(self, post_id: str | int) -> EmulatorPost:
        return cast(EmulatorPost, self._call("DELETE", f"posts/{post_id}"))

    def set_metrics(self, post_id: str | int, **metrics: int) -> EmulatorPost:
        """Override public_metrics (like_count, retweet_count, impression_count...), e.g. to go viral."""
        return cast(EmulatorPost, self._call("PUT", f"posts/{post_id}/metrics", json=metrics))

    # Direct messages

    def dm(
        self, sender: str, recipient: str, text: str, *, created_at: datetime | float | str | None = None
    ) -> EmulatorDm:
        body: dict[str, Any] = {
            "sender": sender.lstrip("@"),
            "recipient": recipient.lstrip("@"),
            "text": text,
        }
        if created_at is not None:
            body["created_at"] = _instant(created_at)
        return cast(EmulatorDm, self._call("POST", "dms", json=body))

    def follow(self, follower: str, followed: str) -> None:
        """`follower` (a person) follows `followed`."""
        self._call("POST", f"users/{follower.lstrip('@')}/following", json={"username": followed.lstrip("@")})

    def following(self, username: str) -> list[str]:
        """The usernames `username` follows."""
        return list(self._call("GET", f"users/{username.lstrip('@')}/following")["following"])

    def dms(self, *, user: str | None = None, conversation_id: str | None = None) -> list[EmulatorDm]:
        params = {k: v for k, v in {"user": user, "conversation_id": conversation_id}.items() if v}
        return cast(list[EmulatorDm], self._call("GET", "dms", params=params))

    # Faults, clock, rate limits, stats

    def set_faults(self, rules: Sequence[Mapping[str, Any]], *, seed: int | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"rules": [dict(r) for r in rules]}
        if seed is not None:
            body["seed"] = seed
        return cast(dict[str, Any], self._call("PUT", "faults", json=body))

    def faults(self) -> dict[str, Any]:
        return cast(dict[str, Any], self._call("GET", "faults"))

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def clock(self) -> float:
        return float(self._call("GET", "clock")["now"])

    def set_clock(self, when: datetime | float | str, *, freeze: bool | None = None) -> float:
        body: dict[str, Any] = {"set": _instant(when)}
        if freeze is not None:
            body["freeze"] = freeze
        return float(self._call("POST", "clock", json=body)["now"])

    def advance_clock(self, seconds: float) -> float:
        return float(self._call("POST", "clock", json={"advance": seconds})["now"])

    def freeze_clock(self, frozen: bool = True) -> float:
        return float(self._call("POST", "clock", json={"freeze": frozen})["now"])

    def rate_limits(self) -> dict[str, list[dict[str, Any]]]:
        return cast(dict[str, list[dict[str, Any]]], self._call("GET", "rate-limits"))

    def set_rate_limit(
        self,
        endpoint: str,
        limit: int,
        *,
        auth: str = "user",
        window_seconds: int | None = None,
        header: str = "x-rate-limit",
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"endpoint": endpoint, "limit": limit, "auth": auth, "header": header}
        if window_seconds is not None:
            body["window_seconds"] = window_seconds
        return cast(dict[str, Any], self._call("PUT", "rate-limits", json=body))

    def reset_rate_limits(self) -> None:
        self._call("POST", "rate-limits/reset")

    def stats(self) -> dict[str, Any]:
        return cast(dict[str, Any], self._call("GET", "stats"))

    def requests(self, since: int = 0) -> dict[str, Any]:
        """The request log from position `since`: {"next": position, "requests": [...]}."""
        return cast(dict[str, Any], self._call("GET", "stats/requests", params={"since": since}))

    def reset_stats(self) -> None:
        self._call("POST", "stats/reset")


def _post_spec(
    author: str,
    text: str,
    in_reply_to: str | int | None,
    quote_of: str | int | None,
    retweet_of: str | int | None,
    lang: str | None,
    created_at: datetime | float | str | None,
    possibly_sensitive: bool,
    public_metrics: Mapping[str, int] | None,
) -> dict[str, Any]:
    spec: dict[str, Any] = {"author": author.lstrip("@"), "text": text}
    for key, value in (("in_reply_to", in_reply_to), ("quote_of", quote_of), ("retweet_of", retweet_of)):
        if value is not None:
            spec[key] = str(value)
    if lang is not None:
        spec["lang"] = lang
    if created_at is not None:
        spec["created_at"] = _instant(created_at)
    if possibly_sensitive:
        spec["possibly_sensitive"] = True
    if public_metrics:
        spec["public_metrics"] = dict(public_metrics)
    return spec


def _normalize_spec(raw: Mapping[str, Any]) -> dict[str, Any]:
    spec = dict(raw)
    if isinstance(spec.get("created_at"), datetime):
        spec["created_at"] = spec["created_at"].isoformat()
    if isinstance(spec.get("author"), str):
        spec["author"] = spec["author"].lstrip("@")
    return spec
