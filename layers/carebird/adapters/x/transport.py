"""Point tweepy at a configured X API base URL.

tweepy.Client always builds URLs on https://api.twitter.com. Deployments that must reach X through
another endpoint (a regional proxy, an egress gateway, or the local X API emulator) set `X_API_BASE_URL`;
this adapter, mounted on the client's requests session, rewrites the scheme and host of every request and
leaves the path, query and (already signed) headers untouched. OAuth 1.0a signatures are therefore made
for the canonical host, as X's own servers verify them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

CANONICAL_HOSTS = ("https://api.twitter.com/", "https://api.x.com/")


class BaseUrlAdapter(HTTPAdapter):
    def __init__(self, base_url: str, **kwargs: Any) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"X_API_BASE_URL must be an http(s) URL, got {base_url!r}")
        self._scheme = parts.scheme
        self._netloc = parts.netloc
        self._prefix = parts.path.rstrip("/")
        super().__init__(**kwargs)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        original = urlsplit(request.url or "")
        request.url = urlunsplit(
            (self._scheme, self._netloc, self._prefix + original.path, original.query, original.fragment)
        )
        return super().send(request, *args, **kwargs)


def route_session(session: requests.Session, base_url: str | None) -> requests.Session:
    """Send the session's X API traffic to `base_url`; with None, leave it going to X itself."""
    if base_url:
        adapter = BaseUrlAdapter(base_url)
        for host in CANONICAL_HOSTS:
            session.mount(host, adapter)
    return session
