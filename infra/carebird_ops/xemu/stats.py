"""Read accounting: X bills pay-per-use plans per post returned, so count what each token was sent."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

COUNTERS = ("requests", "posts_read", "users_read", "dm_events_read")


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

    def record(
        self,
        endpoint: str,
        token: str,
        status: int,
        *,
        post_ids: list[str] | None = None,
        users: int = 0,
        dm_events: int = 0,
    ) -> None:
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
