"""When to poll a brand next.

The cadence rule:

1. A busy brand (its last poll returned new mentions) is polled again after `min_interval_seconds`
   (default 15 s), inside the same invocation: sub-minute latency while customers are writing.
2. A quiet brand backs off by doubling the interval after each empty poll, up to
   `max_interval_seconds` (default 60 s, the schedule's period), so idle brands cost one read a minute.
3. Rate-limit headroom always wins. X allows 180 mentions requests per 15 minutes per user token and
   reports what is left in `x-rate-limit-remaining` / `x-rate-limit-reset`. Keeping
   `rate_limit_reserve` requests (default 20) untouched for paging bursts and other readers of the
   token, the remaining requests are spread evenly until the reset:
       interval = max(rule 1 or 2, seconds_until_reset / (remaining - reserve))
   With no spare request at all, the next poll waits for the reset. So a 15 s cadence (60 requests
   per window) only slows when paging has already used most of the window.
4. After a 429, nothing calls X for that brand before the reset X announced (persisted as
   `blocked_until`, so the next invocation honours it as well).
5. After an error, the interval doubles per consecutive error from `min_interval_seconds`, capped at
   `max_interval_seconds`: a failing brand is retried every minute, never in a tight loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from carebird.ingest.model import RateLimit


@dataclass(frozen=True)
class Cadence:
    min_interval_seconds: float = 15.0
    max_interval_seconds: float = 60.0
    rate_limit_reserve: int = 20

    def base_interval(self, found_new: bool, previous: float | None) -> float:
        if found_new or previous is None:
            return self.min_interval_seconds
        return min(self.max_interval_seconds, max(previous, self.min_interval_seconds) * 2)

    def error_interval(self, consecutive_errors: int) -> float:
        exponent = max(0, min(consecutive_errors - 1, 16))
        return min(self.max_interval_seconds, self.min_interval_seconds * 2**exponent)

    def next_poll_at(self, now: datetime, interval: float, rate: RateLimit | None) -> datetime:
        """`now + interval`, stretched so the brand's token keeps its reserve until the window resets."""
        earliest = now + timedelta(seconds=interval)
        if rate is None or rate.reset_at <= now:
            return earliest
        spare = rate.remaining - self.rate_limit_reserve
        if spare <= 0:
            return max(earliest, rate.reset_at)
        paced = now + (rate.reset_at - now) / spare
        return max(earliest, paced)
