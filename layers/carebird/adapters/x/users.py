"""Looking users up on X with tweepy: GET /2/users?ids= in the brand account's user context.

Implements `carebird.ingest.ports.UsersReader`: the profiles of the authors the poller does not know yet
(`carebird.ingest.profiles`), as domain `Author`s. X answers 200 with `errors` for the ids it cannot
return (a suspended or deleted account); those are left out, not an error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from requests.adapters import BaseAdapter

from carebird.adapters.x.client import BrandClients, CredentialsLoader
from carebird.adapters.x.reads import USER_FIELDS, author_of, x_errors
from carebird.adapters.x.spend import SpendMeter
from carebird.brands import Brand
from carebird.ingest.model import Author
from carebird.ports.x import TransientXError

MAX_IDS = 100  # X's limit for one lookup


class TweepyUsersReader:
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

    def users(self, brand: Brand, user_ids: Sequence[str]) -> list[Author]:
        if not user_ids:
            return []
        if len(user_ids) > MAX_IDS:
            raise ValueError(f"X looks up at most {MAX_IDS} users at once, not {len(user_ids)}")
        client = self._clients.client(brand.credentials_secret, brand)
        with x_errors(brand, "users lookup", self._clock):
            response = client.get_users(ids=list(user_ids), user_fields=USER_FIELDS, user_auth=True)
        try:
            body = response.json()
        except ValueError as exc:
            raise TransientXError(f"X returned a users lookup that is not JSON: {exc}") from None
        data = body.get("data") if isinstance(body, dict) else None
        if data is None:
            return []
        if not isinstance(data, list):
            raise TransientXError(f"X returned users whose data is not a list: {type(data).__name__}")
        return [
            author_of(user) for user in data if isinstance(user, dict) and str(user.get("id", "")).isdigit()
        ]
