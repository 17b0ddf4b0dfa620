"""Looking users up on X with tweepy: GET /2/users?ids= in the brand account's user context.

Implements `carebird.ingest.ports.UsersReader`: the profiles of the authors the poller does not know yet
(`carebird.ingest.profiles`), as domain `Author`s. X answers 200 with `errors` for the ids it cannot
return (a suspended or deleted account); those are left out, not an error.
"""

from __future__ import annotations

from collections.abc import Sequence

from carebird.adapters.x.reads import USER_FIELDS, BrandReader, author_of, x_errors
from carebird.brands import Brand
from carebird.ingest.model import Author
from carebird.ports.x import TransientXError

MAX_IDS = 100  # X's limit for one lookup


class TweepyUsersReader(BrandReader):
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
