"""Read accounting: X bills pay-per-use plans per post returned, so count what each token was sent.

Besides the counters, a bounded request log keeps what X bills by: each request's operation, caller,
the posts and DM events it returned, whether the caller read its own data (X's owned reads) and whether
a post it created carries a link (`make bench-cost` prices it).
"""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

COUNTERS = ("requests", "posts_read", "users_read", "dm_events_read")
REQUEST_LOG_LIMIT = 20_000  # the newest requests; a soak run's millions would only cost memory


@dataclass
class _Row:
    requests: int = 0
    posts_read: int = 0
    users_read: int = 0
    dm_events_read: int = 0
    statuses: Counter[str] = field(default_factory=Counter)


class Stats:
    def __init__(self) -> None:
        self._rows: dict[tuple[str, str], _Row] = defaultdict(_Row)
        self._seen: dict[str, set[str]] = defaultdict(set)  # token -> post ids ever returned to it
        self._log: deque[dict[str, Any]] = deque(maxlen=REQUEST_LOG_LIMIT)
        self._logged = 0  # requests logged since the last reset, kept or not

    def record(
        self,
        endpoint: str,
        token: str,
        status: int,
        *,
        post_ids: list[str] | None = None,
        users: int = 0,
        dm_events: int = 0,
        dm_event_ids: list[str] | None = None,
        user_ids: list[str] | None = None,
        at: float | None = None,
        own: bool = False,
        links: int = 0,
    ) -> None:
        self._logged += 1
        self._log.append(
            {
                "at": at,
                "operation": endpoint,
                "token": token,
                "status": status,
                "post_ids": list(post_ids or []),
                "users": users,
                "user_ids": list(user_ids or []),
                "dm_event_ids": list(dm_event_ids or []),
                "own": own,
                "links": links,
            }
        )
        row = self._rows[(endpoint, token)]
        row.requests += 1
        row.statuses[str(status)] += 1
        if post_ids:
            row.posts_read += len(post_ids)
            self._seen[token].update(post_ids)
        row.users_read += users
        row.dm_events_read += dm_events

    def reset(self) -> None:
        self._rows.clear()
        self._seen.clear()
        self._log.clear()
        self._logged = 0

    def requests(self, since: int = 0) -> dict[str, Any]:
        """The request log from position `since` on (positions count from the last reset)."""
        entries = list(self._log)
        first = self._logged - len(entries)
        return {"next": self._logged, "requests": entries[max(0, since - first) :]}

    def as_json(self, faults: dict[str, int] | None = None) -> dict[str, Any]:
        totals = dict.fromkeys(COUNTERS, 0)
        by_endpoint: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
        by_token: dict[str, dict[str, Any]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
        statuses: Counter[str] = Counter()
        rows = []
        for (endpoint, token), row in sorted(self._rows.items()):
            values = {name: getattr(row, name) for name in COUNTERS}
            for name, value in values.items():
                totals[name] += value
                by_endpoint[endpoint][name] += value
                by_token[token][name] += value
            statuses.update(row.statuses)
            rows.append({"endpoint": endpoint, "token": token, **values, "statuses": dict(row.statuses)})
        for token, seen in self._seen.items():
            by_token[token]["distinct_posts_read"] = len(seen)
        return {
            "totals": totals,
            "by_endpoint": dict(by_endpoint),
            "by_token": dict(by_token),
            "by_endpoint_and_token": rows,
            "statuses": dict(statuses),
            "faults": dict(faults or {}),
        }
