"""The cadence rule (carebird.ingest.cadence) as numbers: when a feed is polled next."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from carebird.ingest.cadence import Cadence
from carebird.ingest.model import RateLimit

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
C = Cadence(min_interval_seconds=15, max_interval_seconds=60, rate_limit_reserve=20)


def window(remaining: int, reset_in: float = 900, limit: int = 180) -> RateLimit:
    return RateLimit(limit, remaining, NOW + timedelta(seconds=reset_in))


def test_busy_quiet_and_failing_feeds() -> None:
    assert C.base_interval(True, 60) == 15
    assert [C.base_interval(False, p) for p in (None, 15, 30, 60)] == [15, 30, 60, 60]
    assert [C.error_interval(n) for n in (1, 2, 3, 9)] == [15, 30, 60, 60]


def test_pacing_keeps_the_reserve_until_the_reset() -> None:
    assert C.next_poll_at(NOW, 15, window(179)) == NOW + timedelta(seconds=15)  # 900/159 < 15
    assert C.next_poll_at(NOW, 15, window(50, reset_in=600)) == NOW + timedelta(seconds=20)  # 600/30
    assert C.next_poll_at(NOW, 15, window(20, reset_in=300)) == NOW + timedelta(seconds=300)


def test_a_burst_polls_sooner_the_faster_mentions_arrive() -> None:
    # 700 mentions in 23 s (30/s): 400 (half of X's reach) arrive in 13.1 s.
    assert C.burst_interval(700, 23, reach=800) == 400 * 23 / 700
    assert C.burst_interval(10_000, 10, reach=800) == C.burst_min_interval_seconds
    assert C.burst_interval(100, 15, reach=800) == 60  # 7/s: a minute to half the reach
    assert C.burst_interval(0, 15, reach=800) is None and C.burst_interval(5, None, reach=800) is None


def test_a_burst_slower_than_the_busy_cadence_still_caps_pacing() -> None:
    # 83 mentions a second leave 4.8 s to half of X's reach; with most of the window's requests spent,
    # pacing alone would wait 10 s, and 800 would have arrived.
    window_half_spent = window(80, reset_in=600)
    assert C.next_poll_at(NOW, 1, window_half_spent) == NOW + timedelta(seconds=10)
    burst = C.burst_interval(415, 5, reach=800)
    assert burst is not None and round(burst, 1) == 4.8
    # Not every second either, spending requests on partial pages: at the burst's own pace.
    assert C.next_poll_at(NOW, 1, window_half_spent, burst=burst) == NOW + timedelta(seconds=burst)
    assert C.next_poll_at(NOW, 15, window_half_spent, burst=burst) == NOW + timedelta(seconds=burst)
    assert C.next_poll_at(NOW, 15, window(179), burst=60) == NOW + timedelta(seconds=15)  # no hurry


def test_a_burst_spends_the_reserve_but_never_polls_into_an_exhausted_window() -> None:
    paced = C.next_poll_at(NOW, 15, window(30, reset_in=600))
    assert paced == NOW + timedelta(seconds=60)
    assert C.next_poll_at(NOW, 15, window(30, reset_in=600), burst=5) == NOW + timedelta(seconds=5)
    assert C.next_poll_at(NOW, 15, window(3, reset_in=600), burst=5) == NOW + timedelta(seconds=5)
    assert C.next_poll_at(NOW, 15, window(0, reset_in=600), burst=5) == NOW + timedelta(seconds=600)
