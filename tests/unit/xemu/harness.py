"""The emulator in-process for unit tests: its WSGI app under werkzeug's test client, no sockets."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from oauthlib.oauth1 import Client as OAuth1Signer
from werkzeug.datastructures import Headers
from werkzeug.test import Client, TestResponse

from carebird_ops.xemu.app import EmulatorApp
from carebird_ops.xemu.credentials import DEFAULT_APP, app_credentials, user_tokens
from carebird_ops.xemu.model import Post, User
from carebird_ops.xemu.state import EmulatorState

CANONICAL = "https://api.twitter.com"
BRAND = "AcmeHelp"


@dataclass(frozen=True)
class Reply:
    """A response with its JSON body parsed (typed loosely, as tests index into it freely)."""

    status_code: int
    headers: Headers
    mimetype: str
    json: Any

    @classmethod
    def of(cls, response: TestResponse) -> Reply:
        return cls(
            response.status_code, response.headers, response.mimetype or "", response.get_json(silent=True)
        )


class X:
    """Calls the emulated X API as tweepy would: bearer for app-only, OAuth 1.0a signed for users."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        self.app = EmulatorApp(state)
        self.http = Client(self.app)

    def auth_headers(
        self, method: str, url: str, *, user: str | None, app: str = DEFAULT_APP, body: str | None = None
    ) -> dict[str, str]:
        creds = app_credentials(app)
        if user is None:
            return {"Authorization": f"Bearer {creds.bearer_token}"}
        tokens = user_tokens(user)
        signer = OAuth1Signer(
            creds.consumer_key,
            client_secret=creds.consumer_secret,
            resource_owner_key=tokens.access_token,
            resource_owner_secret=tokens.access_token_secret,
        )
        headers = {"Content-Type": "application/json"} if body is not None else {}
        _, signed, _ = signer.sign(url, http_method=method, body=body, headers=headers)
        return dict(signed)

    def call(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        json_body: Any = None,
        user: str | None = BRAND,
        app: str = DEFAULT_APP,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        query = urlencode(
            {k: ",".join(v) if isinstance(v, list | tuple) else v for k, v in (params or {}).items()}
        )
        url = CANONICAL + path + (f"?{query}" if query else "")
        body = json.dumps(json_body) if json_body is not None else None
        all_headers = self.auth_headers(method, url, user=user, app=app, body=body)
        all_headers.update(headers or {})
        return self.open(path, method=method, query_string=query, data=body, headers=all_headers)

    def open(self, path: str, method: str = "GET", **kw: Any) -> Reply:
        """A raw request (no credentials added), for tests that build their own."""
        return Reply.of(self.http.open(path, method=method, **kw))

    def get(self, path: str, params: Mapping[str, Any] | None = None, **kw: Any) -> Reply:
        return self.call("GET", path, params, **kw)

    def post(self, path: str, body: Any, **kw: Any) -> Reply:
        return self.call("POST", path, json_body=body, **kw)

    def delete(self, path: str, **kw: Any) -> Reply:
        return self.call("DELETE", path, **kw)

    def control(self, method: str, path: str, body: Any = None, **params: Any) -> Reply:
        return self.open(f"/_emulator/{path}", method=method, json=body, query_string=params)

    # Scene-setting shortcuts straight on the state (what the control API does).

    def user(self, username: str, **kw: Any) -> User:
        existing = self.state.user_by_username(username)
        return existing or self.state.create_user(username, **kw)

    def say(self, author: str, text: str, **kw: Any) -> Post:
        return self.state.create_post(self.user(author), text, **kw)
