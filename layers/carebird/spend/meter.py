"""Which billable things one X API exchange is: the meter behind the product's X spend figures.

`uses(exchange)` reads a finished request and its answer as X bills them: reads per resource returned
(posts in `data` and `includes.tweets`, DM events, users), writes per success (a post, or a post with a
URL when X will read a link in its text; a DM; a like or follow). A failed request bills nothing. The brand's
own mentions timeline is an owned read when the brand account owns the developer app (a brand setting).
Expanded users (`includes.users`) count as user reads: X bills "per resource returned in the response",
and an expanded user is one (the feeds no longer expand them: `carebird.ingest.profiles`).

`ReadLedger` keeps what was read today, so a resource read twice in one UTC day is billed once, as X does.
It lives in one process: two Lambda sandboxes reading the same post on one day both count it (an upper
bound; carebird reads each mention once, by cursor, so repeats are rare).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from carebird.spend.prices import READS, XUse

_MENTIONS = re.compile(r"^/2/users/(?P<user>[^/]+)/mentions$")
_POST_READS = re.compile(
    r"^/2/(tweets(/search/(recent|all)|/[^/]+)?|users/[^/]+/(tweets|liked_tweets|timelines/[^/]+))$"
)
_DM_READS = re.compile(r"^/2/(dm_events|dm_conversations/(with/)?[^/]+/dm_events)$")
_USER_READS = re.compile(r"^/2/users(/me|/by|/by/username/[^/]+|/[^/]+)?$")
_DM_SENDS = re.compile(r"^/2/dm_conversations(/with/[^/]+)?(/[^/]+)?/messages$")
_INTERACTIONS = re.compile(r"^/2/users/[^/]+/(likes|following|retweets)$")


@dataclass(frozen=True)
class Exchange:
    """One request to X and its answer, as the meter needs them."""

    method: str
    path: str  # the URL's path, e.g. /2/users/123/mentions
    status: int
    body: Any  # the answer's JSON (None when it had none)
    sent: Any = None  # the request's JSON body (None when it had none)


@dataclass(frozen=True)
class Use:
    kind: XUse
    ids: tuple[str, ...] = ()  # the resources read (for the day's deduplication); empty for writes

    @property
    def units(self) -> int:
        return max(1, len(self.ids)) if self.kind not in READS else len(self.ids)


LinkTest = Callable[[str], bool]


def uses(exchange: Exchange, *, brand_user_id: str, owned_app: bool, has_link: LinkTest) -> list[Use]:
    """The billable uses of one exchange (none for a failure or a call X does not bill). `has_link`: whether
    X will read a link in a post's text, which makes the post cost the URL price (13 times a plain post).
    Required: the meter must use X's own rule (carebird.outbound.text.has_link), the one the composer's
    preview uses, or a linked reply would be counted at the plain price."""
    if not 200 <= exchange.status < 300:
        return []
    path = exchange.path.rstrip("/") or "/"
    method = exchange.method.upper()
    if method == "GET":
        return _reads(path, exchange.body, brand_user_id=brand_user_id, owned_app=owned_app)
    if method == "POST":
        if path == "/2/tweets":
            text = exchange.sent.get("text") if isinstance(exchange.sent, Mapping) else None
            linked = isinstance(text, str) and has_link(text)
            return [Use(XUse.POST_WITH_URL if linked else XUse.POST)]
        if _DM_SENDS.match(path):
            return [Use(XUse.DM_SENT)]
        if _INTERACTIONS.match(path):
            return [Use(XUse.INTERACTION)]
    return []


def _reads(path: str, body: Any, *, brand_user_id: str, owned_app: bool) -> list[Use]:
    body = body if isinstance(body, Mapping) else {}
    data = _items(body.get("data"))
    included = body.get("includes") if isinstance(body.get("includes"), Mapping) else {}
    mentions = _MENTIONS.match(path)
    if mentions or _POST_READS.match(path):
        posts = _ids(data) + _ids(_items(included.get("tweets")))
        owned = mentions is not None and owned_app and mentions.group("user") == brand_user_id
        found = [Use(XUse.OWNED_READ if owned else XUse.POST_READ, posts)] if posts else []
        return found + _expanded_users(included)
    if _DM_READS.match(path):
        events = _ids(data)
        return ([Use(XUse.DM_EVENT_READ, events)] if events else []) + _expanded_users(included)
    if _USER_READS.match(path):
        users = _ids(data)
        return [Use(XUse.USER_READ, users)] if users else []
    return []


def _expanded_users(included: Any) -> list[Use]:
    users = _ids(_items(included.get("users")))
    return [Use(XUse.USER_READ, users)] if users else []


def _items(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    return [value] if isinstance(value, Mapping) else []


def _ids(items: Iterable[Any]) -> tuple[str, ...]:
    return tuple(
        str(item["id"]) for item in items if isinstance(item, Mapping) and item.get("id") is not None
    )


class ReadLedger:
    """The resources this process has read today, so that a repeat read in the same UTC day bills
    nothing. Holds at most `limit` ids (the oldest forgotten first: forgetting can only over-count, never
    hide spend)."""

    def __init__(self, limit: int = 50_000) -> None:
        self._day: date | None = None
        self._seen: dict[tuple[str, str], None] = {}
        self._limit = limit

    def billable(self, day: date, found: Iterable[Use]) -> Counter[XUse]:
        """Units to bill for these uses on `day`: writes always, reads once per resource and day."""
        if day != self._day:
            self._day, self._seen = day, {}
        units: Counter[XUse] = Counter()
        for use in found:
            if use.kind not in READS:
                units[use.kind] += use.units
                continue
            for resource in use.ids:
                key = (use.kind.value, resource)
                if key in self._seen:
                    continue
                self._seen[key] = None
                units[use.kind] += 1
        while len(self._seen) > self._limit:
            del self._seen[next(iter(self._seen))]
        return units
