"""The schedule of a run on fakes (`carebird.ingest.schedule`, with `cadence`): when each feed is read,
bursts read sooner and past the budget, X's rate limit respected, triage started in between."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from carebird.ingest.cadence import Cadence
from carebird.ingest.model import Feed, PollState
from carebird.ingest.poll import PollTuning
from carebird.ingest.schedule import FeedKey, Scheduler
from carebird.ports.x import XRateLimited
from tests.support.ingest_fakes import T0, brand
from tests.unit.ingest.world import World, assert_nothing_passed_the_reach

ACME = brand("acme", "1000")
GLOBEX = brand("globex", "2000")


def test_after_a_429_nothing_calls_x_for_that_brand_before_the_reset() -> None:
    w = World()
    w.add(ACME)
    reset = T0 + timedelta(minutes=9)
    w.x.failures.append(XRateLimited(reset))
    w.x.post(ACME, "hello?")

    first = w.run(budget=50)
    assert first.rate_limited == 1 and first.errors == 0
    calls = w.x.calls
    for _ in range(3):  # three more schedule ticks, all before the reset
        w.clock.advance(120)
        assert w.clock.now() < reset
        w.run(budget=50)
    assert w.x.calls == calls
    assert w.store.get_poll_state(ACME.id, Feed.MENTIONS).blocked_until == reset

    w.clock.t = reset + timedelta(seconds=1)
    after = w.run()
    assert after.ingested == 1


def test_a_busy_brand_is_polled_every_few_seconds_without_spending_the_rate_limit_reserve() -> None:
    w = World(x_limit=40, tuning=PollTuning(cadence=Cadence(10, 60, rate_limit_reserve=8)))
    w.add(ACME)
    original_sleep = w.clock.sleep

    def customers_keep_writing(seconds: float) -> None:
        original_sleep(seconds)
        w.x.post(ACME, f"msg at {w.clock.now().isoformat()}", author="9", at=w.clock.now())

    w.clock.sleep = customers_keep_writing  # type: ignore[method-assign]
    total = 0
    for _ in range(15):  # 15 schedule ticks: more than one 15-minute window
        total += w.run(budget=50).ingested
        w.clock.advance(60 - 50)

    polls_per_minute = len(w.x.queries) / 15
    assert polls_per_minute >= 2  # sub-minute latency while busy
    assert w.x.calls_while_exhausted == 0  # never hit a 429
    assert max(w.clock.sleeps) <= 60
    assert total == len(w.x.posts)


def test_quiet_mentions_are_polled_at_the_busy_cadence_and_quiet_dms_back_off_to_once_a_minute() -> None:
    w = World()
    w.add(ACME)
    w.run()
    w.clock.advance(60)
    mentions, dms = len(w.x.queries), w.dms.calls
    for _ in range(10):  # ten minutes without a customer writing
        w.run(budget=50)
        w.clock.advance(10)

    # An empty mentions page costs no read, and a quiet brand must catch a sudden burst within X's reach.
    assert len(w.x.queries) - mentions >= 30  # every 15 s while a run lasts (50 s of each minute)
    # A DM poll costs at least one read (no since_id): one a minute.
    assert w.dms.calls - dms <= 12
    assert w.store.get_poll_state(ACME.id, Feed.DMS).interval_seconds == 60


# ---------------------------------------------------------------------- gaps


def test_a_burst_that_pacing_would_let_pass_x_reach_is_polled_sooner_and_nothing_is_lost() -> None:
    # 60 requests per window: pacing alone would poll every ~25 s, while 30 mentions a second arrive,
    # so 800 (X's reach) would pile up between two polls and the oldest be lost for good.
    w = World(x_limit=60, windows_bypass_reach=False)
    w.add(ACME)
    w.run()
    start = w.clock.now()
    arrivals = [start + timedelta(seconds=i / 30) for i in range(30 * 90)]

    def elapse(seconds: float) -> None:
        w.clock.advance(seconds)
        while arrivals and arrivals[0] <= w.clock.now():
            n = len(w.x.posts)
            w.x.post(ACME, f"outage report {n}", author=str(10_000 + n), at=arrivals.pop(0))

    w.clock.sleep = elapse  # type: ignore[method-assign]
    for _ in range(4):
        w.run(budget=50)
        elapse(10)
    w.next_minute()
    w.run()

    assert not arrivals and len(w.x.posts_of(ACME)) == 30 * 90
    assert_nothing_passed_the_reach(w, ACME)
    assert w.x.calls_while_exhausted == 0
    w.assert_exactly_once(ACME)


def test_slow_triage_starts_fill_the_gaps_between_polls_and_never_delay_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    w = World(read_dms=False)  # one feed: with two due at once, the first poll's starts get half a second
    w.add(ACME)
    w.run()
    original_start = w.handoff.start
    starts_when_a_poll_was_due = 0
    budget_ends = w.clock.now()
    # The run's schedule: its feeds' states as the run holds them (a round that moved no cursor leaves
    # them unsaved until the lease is given up, so the store's copy may be behind during the run).
    schedules: list[dict[FeedKey, PollState]] = []
    original_round = Scheduler.round

    def watched_round(self, feeds, states, deadline, wait=False):  # type: ignore[no-untyped-def]
        schedules.append(states)
        return original_round(self, feeds, states, deadline, wait)

    monkeypatch.setattr(Scheduler, "round", watched_round)

    def slow_start(mention, brand):  # type: ignore[no-untyped-def]
        nonlocal starts_when_a_poll_was_due
        due = schedules[-1][(ACME.id, Feed.MENTIONS)].next_poll_at
        assert due is not None
        # Past the run's budget no poll follows in this run; the last half-second slice is free to use.
        starts_when_a_poll_was_due += due <= w.clock.now() < budget_ends
        w.clock.advance(2)  # Step Functions taking 2 s for each StartExecution
        original_start(mention, brand)

    w.handoff.start = slow_start  # type: ignore[method-assign]
    for i in range(30):
        w.x.post(ACME, f"question {i}", author=str(600 + i))
    w.next_minute()

    for _ in range(4):
        budget_ends = w.clock.now() + timedelta(seconds=50)
        w.run(budget=50)
        w.clock.advance(10)

    assert starts_when_a_poll_was_due == 0
    w.assert_exactly_once(ACME)


def _brand_due_after_a_quiet_poll() -> tuple[World, datetime]:
    """A brand with a cursor, due again now; returns its world and the time."""
    w = World(windows_bypass_reach=False, read_dms=False)
    w.add(ACME)
    w.x.post(ACME, "a quiet morning", author="29999")
    w.run()
    w.clock.advance(10)
    return w, w.clock.now()


def _poll_through(w: World, rate: float, seconds: float, budget: float) -> tuple[datetime, list[datetime]]:
    """One run with `budget` (and a 600 s timeout), 5 s after mentions began arriving at `rate` a second
    for `seconds` (then one every 10 s); returns when the run ended and when each of its chains started."""
    start = w.clock.now()
    arrivals = [start + timedelta(seconds=i / rate) for i in range(int(rate * seconds))]
    arrivals += [start + timedelta(seconds=seconds + 10 * i) for i in range(1, 60)]
    chain_starts: list[datetime] = []

    def elapse(seconds: float) -> None:
        w.clock.advance(seconds)
        while arrivals and arrivals[0] <= w.clock.now():
            n = len(w.x.posts)
            w.x.post(ACME, f"outage report {n}", author=str(40_000 + n), at=arrivals.pop(0))

    original_read = w.x.read

    def read(brand, query):  # type: ignore[no-untyped-def]
        if query.pagination_token is None and query.end_time is None:
            chain_starts.append(w.clock.now())
        elapse(0.2)
        return original_read(brand, query)

    w.clock.sleep = elapse  # type: ignore[method-assign]
    w.x.read = read  # type: ignore[method-assign]
    elapse(5)  # the run starts with the arrivals under way
    w.run(budget=budget, hard=600)
    return w.clock.now(), chain_starts


def test_past_its_budget_a_run_reads_a_brand_in_a_burst_until_the_burst_ends() -> None:
    # 20 mentions a second: the next invocation, up to two schedule periods away (120 s), would find
    # 2,400 waiting, three times X's reach. So the run goes on past its 10 s budget while they arrive.
    w, start = _brand_due_after_a_quiet_poll()

    ended, chains = _poll_through(w, rate=20, seconds=90, budget=10)

    assert max(chains) >= start + timedelta(seconds=90)  # read after the burst's last mention
    assert ended < start + timedelta(seconds=130)  # and stopped at the first read that found it over
    assert {m.id for m in w.x.posts_of(ACME) if m.created_at <= start + timedelta(seconds=90)} <= {
        tid for (_, tid) in w.store.mentions
    }
    assert_nothing_passed_the_reach(w, ACME)


def test_a_brand_that_is_busy_but_not_in_a_burst_waits_for_the_next_invocation() -> None:
    # 2 mentions a second: 240 by the time the next invocation reads, well inside X's reach.
    w, start = _brand_due_after_a_quiet_poll()

    ended, chains = _poll_through(w, rate=2, seconds=90, budget=10)

    assert max(chains) <= start + timedelta(seconds=15)
    assert ended < start + timedelta(seconds=30)
