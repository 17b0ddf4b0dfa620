"""When to poll a brand's feed (mentions, DMs) next.

The cadence rule:

1. A busy feed (its last poll returned something new) is polled again after `min_interval_seconds`
   (default 10 s), inside the same invocation: sub-minute latency while customers are writing. It also
   bounds the sudden burst a brand takes without loss: X reads back only the newest ~800 mentions,
   so until the first poll after the burst began at most 80 a second (800 in 10 s) can arrive.
2. A quiet DM feed backs off by doubling the interval after each empty poll, up to
   `max_interval_seconds` (default 60 s, the schedule's period): with no since_id for DM events, every
   DM poll is billed at least the one event that proves nothing is newer. Mentions do not back off: an
   empty mentions response is not billed, and a brand polled once a minute would lose any sudden burst
   faster than 13 mentions a second.
3. Rate-limit headroom wins over rules 1 and 2. X allows 180 mentions requests and 300 DM-event requests
   per 15 minutes per user token and reports what is left in `x-rate-limit-remaining` /
   `x-rate-limit-reset`. Keeping `rate_limit_reserve` requests (default 20) untouched for paging bursts
   and other readers of the token, the remaining requests are spread evenly until the reset:
       interval = max(rule 1 or 2, seconds_until_reset / (remaining - reserve))
   With no spare request at all, the next poll waits for the reset. So a 10 s cadence (90 requests
   per window, leaving some 70 for the pages of bursts) only slows when paging has used most of it.
4. A burst outruns X's reach: X pages back through only the ~800 newest mentions, so mentions arriving
   faster than the cadence reads them are lost to a plain since_id poll. When the last poll's new
   mentions, at the rate they arrived, would fill `reach_fraction` (half) of the reach before the next
   poll, the next poll comes that much sooner (never sooner than `burst_min_interval_seconds`), and
   pacing (rule 3) may not delay it past that: such a poll reads full pages, which cost the same
   requests now or later, and the reserve exists for them. Only an exhausted window stops it. In a
   burst the next poll is timed from the start of the last one (paging through a long chain takes
   seconds that must not add to the interval), and after a chain that reached X's reach (its count
   is only a floor of the rate) it comes after `burst_min_interval_seconds`.
5. After a 429, nothing calls X for that feed before the reset X announced (persisted as
   `blocked_until`, so the next invocation honours it as well).
6. After an error, the interval doubles per consecutive error from `min_interval_seconds`, capped at
   `max_interval_seconds`: a failing feed is retried every minute, never in a tight loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from carebird.ingest.model import RateLimit


@dataclass(frozen=True)
class Cadence:
    min_interval_seconds: float = 10.0
    max_interval_seconds: float = 60.0
    rate_limit_reserve: int = 20
    reach_fraction: float = 0.5
    burst_min_interval_seconds: float = 1.0

    def base_interval(self, found_new: bool, previous: float | None) -> float:
        if found_new or previous is None:
            return self.min_interval_seconds
        return min(self.max_interval_seconds, max(previous, self.min_interval_seconds) * 2)

    def error_interval(self, consecutive_errors: int) -> float:
        exponent = max(0, min(consecutive_errors - 1, 16))
        return min(self.max_interval_seconds, self.min_interval_seconds * 2**exponent)

    def burst_interval(self, new: int, over_seconds: float | None, reach: int) -> float | None:
        """Rule 4: the longest wait after `new` mentions arrived within `over_seconds` that keeps the
        next chain within `reach_fraction` of X's reach; None when nothing says how fast they arrive."""
        if new <= 0 or over_seconds is None or over_seconds <= 0:
            return None
        return max(self.burst_min_interval_seconds, self.reach_fraction * reach * over_seconds / new)

    def next_poll_at(
        self, now: datetime, interval: float, rate: RateLimit | None, burst: float | None = None
    ) -> datetime:
        """`now + interval`, stretched so the token keeps its reserve until the window resets; a `burst`
        interval (rule 4) caps both, and only an exhausted window stretches it."""
        if burst is not None:
            interval = min(interval, burst)
        earliest = now + timedelta(seconds=interval)
        if rate is None or rate.reset_at <= now:
            return earliest
        if rate.remaining <= 0:
            return max(earliest, rate.reset_at)
        spare = rate.remaining - self.rate_limit_reserve
        paced = rate.reset_at if spare <= 0 else now + (rate.reset_at - now) / spare
        if burst is not None:
            paced = min(paced, now + timedelta(seconds=burst))
        return max(earliest, paced)
