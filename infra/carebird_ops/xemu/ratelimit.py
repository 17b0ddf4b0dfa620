"""X's rate limits: fixed windows per endpoint and per token, reported in x-rate-limit-* headers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any, Literal

AuthKind = Literal["user", "app"]
AUTH_KINDS: tuple[AuthKind, ...] = ("user", "app")
PRIMARY = "x-rate-limit"
WINDOW_15_MIN = 15 * 60
WINDOW_24_H = 24 * 60 * 60


@dataclass(frozen=True)
class Limit:
    auth: AuthKind  # which kind of credentials the limit applies to
    bucket: AuthKind  # what it counts against: the user (per app) or the whole app
    limit: int
    window_seconds: int = WINDOW_15_MIN
    header: str = PRIMARY  # header prefix X reports this limit under

    def as_json(self) -> dict[str, Any]:
        return {
            "auth": self.auth,
            "bucket": self.bucket,
            "limit": self.limit,
            "window_seconds": self.window_seconds,
            "header": self.header,
        }


def user(limit: int, window: int = WINDOW_15_MIN, header: str = PRIMARY) -> Limit:
    return Limit("user", "user", limit, window, header)


def app(limit: int, window: int = WINDOW_15_MIN, header: str = PRIMARY) -> Limit:
    return Limit("app", "app", limit, window, header)


@dataclass
class _Window:
    start: float
    count: int = 0


class RateLimiter:
    def __init__(self, clock: Callable[[], float], defaults: dict[str, tuple[Limit, ...]]) -> None:
        self._now = clock
        self._defaults = defaults
        self._overrides: dict[tuple[str, AuthKind, str], Limit] = {}
        self._windows: dict[tuple[str, str, str], _Window] = {}

    def limits(self, endpoint: str, auth: AuthKind) -> list[Limit]:
        found = [lim for lim in self._defaults.get(endpoint, ()) if lim.auth == auth]
        out = [self._overrides.get((endpoint, auth, lim.header), lim) for lim in found]
        out += [
            lim
            for (ep, kind, header), lim in self._overrides.items()
            if ep == endpoint and kind == auth and all(f.header != header for f in found)
        ]
        return out

    def _window(self, endpoint: str, lim: Limit, bucket_key: str, now: float) -> _Window:
        key = (endpoint, lim.header, bucket_key)
        window = self._windows.get(key)
        if window is None or now >= window.start + lim.window_seconds:
            window = self._windows[key] = _Window(start=now)
        return window

    def consume(
        self, endpoint: str, auth: AuthKind, user_key: str, app_key: str
    ) -> tuple[bool, dict[str, str]]:
        """Count one request; False (and nothing counted) when any window is exhausted."""
        now = self._now()
        limits = self.limits(endpoint, auth)
        windows = [
            (lim, self._window(endpoint, lim, user_key if lim.bucket == "user" else app_key, now))
            for lim in limits
        ]
        allowed = all(w.count < lim.limit for lim, w in windows)
        if allowed:
            for _, w in windows:
                w.count += 1
        return allowed, _headers(windows)

    def peek(self, endpoint: str, auth: AuthKind, user_key: str, app_key: str) -> dict[str, str]:
        now = self._now()
        windows = [
            (lim, self._window(endpoint, lim, user_key if lim.bucket == "user" else app_key, now))
            for lim in self.limits(endpoint, auth)
        ]
        return _headers(windows)

    def override(
        self,
        endpoint: str,
        auth: AuthKind,
        limit: int,
        window_seconds: int | None = None,
        header: str = PRIMARY,
    ) -> Limit:
        base = next((lim for lim in self.limits(endpoint, auth) if lim.header == header), None)
        if base is None:
            base = Limit(auth, auth, limit, window_seconds or WINDOW_15_MIN, header)
        new = replace(base, limit=limit, window_seconds=window_seconds or base.window_seconds)
        self._overrides[(endpoint, auth, header)] = new
        # A changed limit starts from a fresh window, as a plan change on X would.
        for key in [k for k in self._windows if k[0] == endpoint and k[1] == header]:
            del self._windows[key]
        return new

    def reset_counters(self) -> None:
        self._windows.clear()

    def reset(self) -> None:
        self._windows.clear()
        self._overrides.clear()

    def table(self, endpoints: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        return {
            ep: [lim.as_json() for kind in AUTH_KINDS for lim in self.limits(ep, kind)] for ep in endpoints
        }


def _headers(windows: list[tuple[Limit, _Window]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for lim, w in windows:
        headers[f"{lim.header}-limit"] = str(lim.limit)
        headers[f"{lim.header}-remaining"] = str(max(lim.limit - w.count, 0))
        headers[f"{lim.header}-reset"] = str(int(w.start + lim.window_seconds))
    return headers
