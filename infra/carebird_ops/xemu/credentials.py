"""Deterministic credentials: everything derives from an app name or a username.

The demo, the local stack and tests can configure the product (or a tweepy.Client) from names alone,
without asking the emulator. Access tokens start with "<user id>-" as X's do: tweepy reads the
authenticating user's id from that prefix.
"""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass

DEFAULT_APP = "carebird"

_ALPHABET = string.digits + string.ascii_letters


def _derive(kind: str, name: str, length: int) -> str:
    digest = int.from_bytes(hashlib.sha256(f"carebird-xemu/{kind}/{name.lower()}".encode()).digest(), "big")
    chars: list[str] = []
    while len(chars) < length:
        digest, rem = divmod(digest, len(_ALPHABET))
        chars.append(_ALPHABET[rem])
        if digest == 0:
            digest = int.from_bytes(hashlib.sha256(("".join(chars) + kind).encode()).digest(), "big")
    return "".join(chars)


def user_id_for(username: str) -> str:
    """An 18-digit id that depends only on the (case-insensitive) username."""
    digest = hashlib.sha256(f"carebird-xemu/user-id/{username.lower()}".encode()).digest()
    return str(10**17 + int.from_bytes(digest[:8], "big") % (9 * 10**17))


@dataclass(frozen=True)
class AppCredentials:
    name: str
    app_id: str
    consumer_key: str
    consumer_secret: str
    bearer_token: str


@dataclass(frozen=True)
class UserTokens:
    user_id: str
    access_token: str
    access_token_secret: str


def app_credentials(name: str = DEFAULT_APP) -> AppCredentials:
    digest = hashlib.sha256(f"carebird-xemu/app-id/{name.lower()}".encode()).digest()
    return AppCredentials(
        name=name,
        app_id=str(10**7 + int.from_bytes(digest[:4], "big") % (9 * 10**7)),
        consumer_key=_derive("consumer-key", name, 25),
        consumer_secret=_derive("consumer-secret", name, 50),
        # X's app-only bearer tokens start with a run of "A"s; keep the look so logs read familiar.
        bearer_token="AAAAAAAAAAAAAAAAAAAAA" + _derive("bearer", name, 80),
    )


def user_tokens(username: str) -> UserTokens:
    user_id = user_id_for(username)
    return UserTokens(
        user_id=user_id,
        access_token=f"{user_id}-{_derive('access-token', username, 30)}",
        access_token_secret=_derive("access-token-secret", username, 45),
    )
