"""Who is calling: an app with its bearer token, or a user through OAuth 1.0a, verified as X does."""

from __future__ import annotations

import time
from dataclasses import dataclass
from types import SimpleNamespace
from urllib.parse import parse_qsl

from oauthlib.common import safe_string_equals
from oauthlib.oauth1.rfc5849 import signature, utils
from werkzeug.wrappers import Request

from carebird_ops.xemu import errors
from carebird_ops.xemu.model import App, User
from carebird_ops.xemu.ratelimit import AuthKind
from carebird_ops.xemu.state import EmulatorState

# tweepy signs for the public host; the product's transport then rewrites the host
# (carebird/adapters/x/transport.py).
CANONICAL_ORIGINS = ("https://api.twitter.com", "https://api.x.com")
# X rejects stale or replayed signatures. Compared with wall time, not the emulator clock, because
# the client stamps requests with its own real clock.
TIMESTAMP_TOLERANCE_SECONDS = 15 * 60


@dataclass(frozen=True)
class Principal:
    app: App
    user: User | None = None

    @property
    def kind(self) -> AuthKind:
        return "user" if self.user else "app"

    @property
    def token(self) -> str:
        """How stats and rate limits name this token."""
        return f"user:{self.app.name}/{self.user.username}" if self.user else f"app:{self.app.name}"

    @property
    def app_token(self) -> str:
        return f"app:{self.app.name}"


def authenticate(state: EmulatorState, request: Request) -> Principal:
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        app = state.app_by_bearer(credentials.strip())
        if app is None:
            raise errors.unauthorized()
        return Principal(app)
    if scheme.lower() == "oauth":
        return _oauth1(state, request, header)
    raise errors.unauthorized()


def _oauth1(state: EmulatorState, request: Request, header: str) -> Principal:
    try:
        # Header values arrive percent-encoded (RFC 5849 section 3.5.1).
        oauth = {k: utils.unescape(v) for k, v in utils.parse_authorization_header(header)}
    except (ValueError, IndexError):
        raise errors.unauthorized() from None
    required = ("oauth_consumer_key", "oauth_token", "oauth_signature", "oauth_nonce", "oauth_timestamp")
    if any(not oauth.get(k) for k in required) or oauth.get("oauth_signature_method") != "HMAC-SHA1":
        raise errors.unauthorized()
    if oauth.get("oauth_version", "1.0") != "1.0":
        raise errors.unauthorized()
    app = state.app_by_consumer_key(oauth["oauth_consumer_key"])
    user = state.user_by_access_token(oauth["oauth_token"])
    if app is None or user is None:
        raise errors.unauthorized()
    try:
        stamped = int(oauth["oauth_timestamp"])
    except ValueError:
        raise errors.unauthorized() from None
    wall = time.time()
    if abs(wall - stamped) > TIMESTAMP_TOLERANCE_SECONDS:
        raise errors.unauthorized()

    query = request.environ.get("QUERY_STRING", "")
    body: list[tuple[str, str]] = []
    if request.mimetype == "application/x-www-form-urlencoded":
        body = parse_qsl(request.get_data(as_text=True), keep_blank_values=True)
    params = signature.collect_parameters(
        uri_query=query, body=body, headers={"Authorization": header}, exclude_oauth_signature=True
    )
    normalized = signature.normalize_parameters(params)
    secrets = SimpleNamespace(
        client_secret=app.consumer_secret, resource_owner_secret=user.access_token_secret
    )
    origins = (*CANONICAL_ORIGINS, request.host_url.rstrip("/"))
    path = request.environ.get("RAW_URI", "").split("?", 1)[0] or request.path
    for origin in origins:
        base = signature.signature_base_string(
            request.method.upper(), signature.base_string_uri(origin + path), normalized
        )
        expected = signature.sign_hmac_sha1_with_client(base, secrets)
        if safe_string_equals(expected, oauth["oauth_signature"]):
            break
    else:
        raise errors.unauthorized()

    nonce_key = (app.consumer_key, oauth["oauth_nonce"])
    if len(state.oauth_nonces) > 10_000:
        for key, seen in list(state.oauth_nonces.items()):
            if wall - seen > TIMESTAMP_TOLERANCE_SECONDS:
                del state.oauth_nonces[key]
    if nonce_key in state.oauth_nonces:
        raise errors.unauthorized()  # a replayed request
    state.oauth_nonces[nonce_key] = wall
    return Principal(app, user)
