"""What API Gateway's Cognito user pool authorizer does with a token, for the local gateway.

The token must be a JWT signed by one of the authorizer's user pools: its signature checks against the
pool's JSON Web Key Set (served by moto's cognito-idp at /<pool id>/.well-known/jwks.json, as Cognito
serves it at https://cognito-idp.<region>.amazonaws.com/<pool id>/.well-known/jwks.json), its issuer is
that pool, it has not expired, and it is an ID token (a method without OAuth scopes takes ID tokens).
The claims that come out are what API Gateway puts in requestContext.authorizer.claims, every value a
string.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

from joserfc import jwt
from joserfc.errors import ExpiredTokenError, JoseError
from joserfc.jwk import KeySet

JwksFetcher = Callable[[str], dict[str, Any]]  # pool id -> its JWKS document


class Unauthorized(Exception):
    """The token is missing, malformed, forged, expired or from another pool: 401 with `message`."""

    def __init__(self, message: str = "Unauthorized") -> None:
        super().__init__(message)
        self.message = message


def pool_id_of(pool_arn: str) -> str:
    """arn:aws:cognito-idp:<region>:<account>:userpool/<pool id> -> <pool id>"""
    return pool_arn.rsplit("/", 1)[-1]


def region_of(pool_arn: str) -> str:
    return pool_arn.split(":")[3]


def http_jwks(endpoint_url: str, timeout: float = 5.0) -> JwksFetcher:
    """JWKS documents from the emulator at `endpoint_url` (moto's cognito-idp)."""
    import requests

    def fetch(pool_id: str) -> dict[str, Any]:
        response = requests.get(
            f"{endpoint_url.rstrip('/')}/{pool_id}/.well-known/jwks.json", timeout=timeout
        )
        response.raise_for_status()
        document: dict[str, Any] = response.json()
        return document

    return fetch


class CognitoTokenVerifier:
    def __init__(self, jwks: JwksFetcher, clock: Callable[[], float] = time.time) -> None:
        self._jwks = jwks
        self._clock = clock
        self._keys: dict[str, KeySet] = {}
        self._lock = threading.Lock()

    def _key_set(self, pool_id: str) -> KeySet:
        with self._lock:
            if pool_id not in self._keys:
                self._keys[pool_id] = KeySet.import_key_set(self._jwks(pool_id))  # type: ignore[arg-type]
            return self._keys[pool_id]

    def claims(self, token: str, pool_arns: list[str]) -> dict[str, str]:
        """The token's claims as API Gateway passes them; Unauthorized if any pool does not vouch for it."""
        token = token.strip()
        if token.lower().startswith("bearer "):
            token = token[7:].strip()
        try:
            header = json.loads(_b64(token.split(".")[0]))
            unverified = json.loads(_b64(token.split(".")[1]))
        except (ValueError, IndexError):
            raise Unauthorized() from None
        if not isinstance(header, dict) or not isinstance(unverified, dict):
            raise Unauthorized()
        issuer = unverified.get("iss")
        pool = next(
            (
                arn
                for arn in pool_arns
                if issuer == f"https://cognito-idp.{region_of(arn)}.amazonaws.com/{pool_id_of(arn)}"
            ),
            None,
        )
        if pool is None:
            raise Unauthorized()
        try:
            decoded = jwt.decode(token, self._key_set(pool_id_of(pool)), algorithms=["RS256"])
            registry = jwt.JWTClaimsRegistry(
                now=int(self._clock()),
                iss={"essential": True, "value": str(issuer)},
                token_use={"essential": True, "value": "id"},
                exp={"essential": True},
            )
            registry.validate(decoded.claims)
        except ExpiredTokenError:
            raise Unauthorized("The incoming token has expired") from None
        except (JoseError, ValueError):
            raise Unauthorized() from None
        return {key: _as_string(value) for key, value in decoded.claims.items()}


def _b64(segment: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _as_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)
