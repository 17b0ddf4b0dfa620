"""Poll logic on fakes: what a brand's customers and its operator would notice."""

from __future__ import annotations

import itertools
import threading
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from carebird.ingest.cadence import Cadence
from carebird.ingest.model import Feed, GapReason, GapStatus, MentionStatus, SkipReason
from carebird.ingest.poll import PollTuning
from carebird.ports.x import TransientXError, XAuthError, XRateLimited
from tests.support.ingest_fakes import T0, Crash, brand
from tests.unit.ingest.world import World

ACME = brand("acme", "1000")
GLOBEX = brand("globex", "2000")


def test_new_mentions_are_stored_and_each_handed_to_triage_once() -> None:
    w = World()
    w.add(ACME)
    posts = [w.x.post(ACME, f"my order {i} is late") for i in range(3)]

    summary = w.run()

    assert (summary.ingested, summary.skipped, summary.reads, summary.errors) == (3, 0, 3, 0)
    w.assert_exactly_once(ACME)
    assert w.store.get_cursor(ACME.id, Feed.MENTIONS).since_id == posts[-1].id  # type: ignore[union-attr]
    execution = w.handoff.executions[f"m-{ACME.id}-{posts[0].id}"]
    assert execution["brand_id"] == ACME.id
    assert execution["mention"]["text"] == "my order 0 is late"  # type: ignore[index]


def test_first_poll_of_a_new_brand_reaches_back_only_the_initial_lookback() -> None:
    w = World(tuning=PollTuning(initial_lookback_seconds=3600))
    w.add(ACME)
    w.x.post(ACME, "last week", at=T0 - timedelta(days=7))
    recent = w.x.post(ACME, "just now", at=T0 - timedelta(minutes=5))

    summary = w.run()

    assert summary.ingested == 1
    assert [m.mention.id for m in w.store.list_messages(ACME.id, Feed.MENTIONS)] == [recent.id]
    assert summary.gaps == 0


def test_pages_are_followed_until_caught_up_and_written_oldest_first() -> None:
    w = World()
    w.add(ACME)
    w.run()  # the brand is set up and has a cursor from here on
    for i in range(230):
        w.x.post(ACME, f"message {i}", author=str(5000 + i))
    w.next_minute()
    first_query = len(w.x.queries)

    summary = w.run()

    queries = [q for _, q in w.x.queries[first_query:]]
    assert len(queries) == 3  # 100 + 100 + 30
    assert queries[0].pagination_token is None and queries[1].pagination_token is not None
    assert summary.ingested == 230 and summary.reads == 230 and summary.gaps == 0
    w.assert_exactly_once(ACME)
    ingested = sorted(w.store.mentions.values(), key=lambda m: m.ingested_at)
    assert [m.mention.number for m in ingested] == sorted(m.mention.number for m in ingested)


def test_steady_state_costs_one_read_per_mention_and_never_rereads() -> None:
    w = World()
    w.add(ACME)
    w.x.post(ACME, "hello")
    w.run()
    reads_before, ingested = w.x.reads, 0
    for batch in (1, 4, 0, 7, 2, 0, 3):
        for i in range(batch):
            w.x.post(ACME, f"batch {batch} #{i}", author=str(7000 + batch * 10 + i))
        w.next_minute()
        ingested += w.run().ingested

    assert ingested == 17
    assert (w.x.reads - reads_before) / ingested == 1.00
    # every query after the first starts exactly at the newest stored id: no overlap, no re-read
    for _, query in w.x.queries[1:]:
        assert query.since_id is not None and query.start_time is None


def test_a_page_that_ignores_since_id_does_not_move_the_cursor_back_or_store_old_posts() -> None:
    w = World()
    w.add(ACME)
    w.x.post(ACME, "one")
    newest = w.x.post(ACME, "two")
    w.run()
    original = w.x.read

    def sloppy(b, query):  # type: ignore[no-untyped-def]
        page = original(b, replace(query, since_id=None))  # X returning everything again
        return page

    w.x.read = sloppy  # type: ignore[method-assign]
    w.next_minute()
    summary = w.run()

    assert summary.ingested == 0 and summary.duplicates == 0
    assert w.store.get_cursor(ACME.id, Feed.MENTIONS).since_id == newest.id  # type: ignore[union-attr]


# ---------------------------------------------------------------------- crashes
def _crash_scenario(w: World) -> None:
    """Noise, repeats and enough mentions for two pages: every kind of write happens."""
    w.add(ACME)
    w.run()
    w.x.post(ACME, "we are live", author=ACME.user_id)
    w.x.post(ACME, "RT @acme: we are live", author="31", retweet_of="1")
    for i in range(7):
        w.x.post(ACME, f"question {i}", author=str(100 + i))
    w.x.post(ACME, "question 3", author="103")  # a repeat
    w.next_minute()


def _count_crash_points() -> int:
    w = World(tuning=PollTuning(page_size=5))
    _crash_scenario(w)
    w.crash.rearm(None)
    w.run()
    return w.crash.seen


@pytest.mark.parametrize("crash_at", range(1, _count_crash_points() + 1))
def test_a_crash_at_any_point_loses_nothing_and_duplicates_nothing(crash_at: int) -> None:
    w = World(tuning=PollTuning(page_size=5))
    _crash_scenario(w)
    w.crash.rearm(crash_at)

    with pytest.raises(Crash):
        w.run()
    point = w.crash.points[-1]
    w.crash.rearm(None)
    w.next_minute()
    w.run()

    noise = {m.id for m in w.x.posts_of(ACME) if m.author.id == ACME.user_id or m.is_retweet}
    repeat = {m.id for m in w.x.posts_of(ACME) if m.text == "question 3"}
    w.assert_exactly_once(ACME, skipped_ids=frozenset(noise | {max(repeat, key=int)}))
    assert all(n <= 2 for n in w.handoff.starts.values()), point


def test_a_crash_between_triage_start_and_marking_is_recovered_without_a_second_execution() -> None:
    def world() -> tuple[World, str]:
        w = World()
        w.add(ACME)
        return w, w.x.post(ACME, "refund?").id

    probe, _ = world()
    probe.run()
    w, tweet_id = world()
    w.crash.rearm(probe.crash.points.index("after:start") + 1)  # StartExecution done, reply lost

    with pytest.raises(Crash):
        w.run()
    assert w.store.get_message(ACME.id, Feed.MENTIONS, tweet_id).status is MentionStatus.PENDING  # type: ignore[union-attr]
    w.crash.rearm(None)
    w.next_minute()
    summary = w.run()

    assert w.store.get_message(ACME.id, Feed.MENTIONS, tweet_id).status is MentionStatus.HANDED_OFF  # type: ignore[union-attr]
    assert summary.reads == 0  # the pending one came from storage, not from X again
    assert list(w.handoff.executions) == [f"m-{ACME.id}-{tweet_id}"]
    assert w.handoff.starts[f"m-{ACME.id}-{tweet_id}"] == 2  # the retry was answered "already exists"


def test_triage_that_cannot_start_now_is_retried_on_the_next_poll() -> None:
    w = World()
    w.add(ACME)
    post = w.x.post(ACME, "where is my parcel")
    w.handoff.fail_next = 1_000  # Step Functions refusing for the whole run

    first = w.run()
    assert first.ingested == 1 and first.handed_off == 0
    w.handoff.fail_next = 0
    w.next_minute()
    second = w.run()

    assert second.handed_off == 1 and second.reads == 0
    assert w.store.get_message(ACME.id, Feed.MENTIONS, post.id).status is MentionStatus.HANDED_OFF  # type: ignore[union-attr]


# ---------------------------------------------------------------------- noise
def test_noise_is_stored_as_skipped_with_its_reason_and_never_triaged() -> None:
    w = World()
    w.add(ACME)
    own = w.x.post(ACME, "Happy Monday from Acme!", author=ACME.user_id)
    rt = w.x.post(ACME, "RT @acme: Happy Monday", author="77", retweet_of=own.id)
    first = w.x.post(ACME, "@acme my card was charged twice https://t.co/aaa", author="55")
    repeat = w.x.post(ACME, "@Acme  My card was charged TWICE https://t.co/bbb", author="55")
    other_author = w.x.post(ACME, "@acme my card was charged twice", author="56")

    summary = w.run()

    status = {m.mention.id: (m.status, m.skip_reason) for m in w.store.mentions.values()}
    assert status[own.id] == (MentionStatus.SKIPPED, SkipReason.OWN_POST)
    assert status[rt.id] == (MentionStatus.SKIPPED, SkipReason.RETWEET)
    assert status[repeat.id] == (MentionStatus.SKIPPED, SkipReason.REPEAT)
    assert status[first.id][0] is MentionStatus.HANDED_OFF
    assert status[other_author.id][0] is MentionStatus.HANDED_OFF
    assert (summary.ingested, summary.skipped) == (2, 3)
    assert w.metrics.total("MentionsSkipped") == 3 and w.metrics.total("MentionsIngested") == 2
    assert set(w.handoff.executions) == {f"m-{ACME.id}-{first.id}", f"m-{ACME.id}-{other_author.id}"}


def test_the_same_text_after_the_repeat_window_is_new_work() -> None:
    w = World()
    w.add(brand("acme", "1000", settings={"repeat_window_seconds": 600}))
    w.x.post(ACME, "still broken", author="55", at=T0 - timedelta(minutes=30))
    w.x.post(ACME, "still broken", author="55", at=T0 - timedelta(minutes=25))  # within 10 min
    w.x.post(ACME, "still broken", author="55", at=T0 - timedelta(minutes=5))  # 25 min later

    summary = w.run()

    assert (summary.ingested, summary.skipped) == (2, 1)


def test_a_post_mentioning_two_brands_is_work_for_both() -> None:
    w = World()
    w.add(ACME)
    w.add(GLOBEX)
    post = w.x.post([ACME, GLOBEX], "@acme @globex which of you broke my router")

    summary = w.run()

    assert summary.ingested == 2
    assert set(w.handoff.executions) == {f"m-{ACME.id}-{post.id}", f"m-{GLOBEX.id}-{post.id}"}


# ---------------------------------------------------------------------- rate limits and cadence
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
def test_a_backlog_beyond_x_reach_is_recorded_as_a_gap_and_backfilled_by_time_window() -> None:
    w = World(x_reach=50, tuning=PollTuning(reach_limit=50, page_size=20))
    w.add(ACME)
    w.x.post(ACME, "before the outage")
    w.run()
    for i in range(130):
        w.x.post(ACME, f"outage report {i}", author=str(9000 + i))
    w.next_minute()

    summary = w.run()

    assert summary.gaps == 1 and summary.gaps_closed == 1
    assert w.metrics.total("Gaps") == 1
    (gap,) = w.store.gaps(ACME.id)
    assert gap.status is GapStatus.CLOSED and gap.reason is GapReason.REACH_LIMIT and gap.recovered == 80
    assert gap.attempts == 2  # X's reach applies to a window too: 50, then the last 30
    w.assert_exactly_once(ACME)
    backfill = [q for _, q in w.x.queries if q.end_time is not None]
    # Bounded by ids (exact) as well as times (X wants whole seconds): the posts of the cursor's second
    # that were already read are not read again.
    before_cursor = int(w.x.posts_of(ACME)[0].id) - 1
    assert backfill and all(q.since_id == str(before_cursor) and q.until_id for q in backfill)
    assert summary.reads == 130 + 1  # the window that reached the cursor read that post again, no more


def test_a_gap_the_api_cannot_fill_stays_open_and_is_retried_a_bounded_number_of_times() -> None:
    tuning = PollTuning(reach_limit=50, page_size=50, gap_retry_seconds=60, gap_max_attempts=3)
    w = World(x_reach=50, windows_bypass_reach=False, tuning=tuning)
    w.add(ACME)
    w.x.post(ACME, "before the outage")
    w.run()
    for i in range(120):
        w.x.post(ACME, f"outage report {i}", author=str(9000 + i))
    w.next_minute()
    w.run()
    for _ in range(6):
        w.next_minute()
        w.run()

    (gap,) = w.store.gaps(ACME.id)
    assert gap.status is GapStatus.OPEN and gap.attempts == 3
    assert len(w.store.mentions) == 1 + 50  # the newest 50 are in; X will not give us the other 70
    missing = {m.id for m in w.x.posts_of(ACME)} - {tid for _, tid in w.store.mentions}
    assert len(missing) == 70 and all(gap.contains(tid) for tid in missing)


def test_a_page_that_fails_midway_keeps_what_was_read_and_fills_the_rest_next_time() -> None:
    w = World(tuning=PollTuning(page_size=10, gap_retry_seconds=0))
    w.add(ACME)
    w.run()
    for i in range(35):
        w.x.post(ACME, f"m{i}", author=str(300 + i))
    w.next_minute()
    w.x.fail_on_call[w.x.calls + 2] = TransientXError("502 from X")

    first = w.run()
    assert first.ingested == 10 and first.gaps == 1 and first.errors == 1
    (gap,) = w.store.open_gaps(ACME.id)
    assert gap.reason is GapReason.PAGE_FAILED
    cursor = w.store.get_cursor(ACME.id, Feed.MENTIONS)
    assert cursor is not None and cursor.since_id == max((m.id for m in w.x.posts_of(ACME)), key=int)

    w.next_minute()
    second = w.run()
    assert second.gaps_closed == 1 and second.ingested == 25
    w.assert_exactly_once(ACME)


# ---------------------------------------------------------------------- isolation
def test_a_brand_whose_poll_fails_does_not_stop_the_others() -> None:
    w = World()
    w.add(ACME)
    w.add(GLOBEX)
    w.x.post(GLOBEX, "hi globex")
    original = w.x.read

    def acme_credentials_revoked(b, query):  # type: ignore[no-untyped-def]
        if b.user_id == ACME.user_id:
            raise XAuthError("401 Unauthorized")
        return original(b, query)

    w.x.read = acme_credentials_revoked  # type: ignore[method-assign]
    summary = w.run()

    assert summary.errors == 1 and summary.ingested == 1
    assert w.metrics.total("PollErrors") == 1
    assert w.metrics.total("PollSucceeded") == 1
    assert "XAuthError" in (w.store.get_poll_state(ACME.id, Feed.MENTIONS).last_error or "")


def test_disabled_brands_are_not_polled() -> None:
    w = World()
    w.add(brand("acme", "1000", poll_enabled=False))
    w.x.post(ACME, "anyone?")
    summary = w.run()
    assert summary.brands == 0 and w.x.calls == 0


def test_an_overlapping_invocation_leaves_a_brand_to_the_one_polling_it() -> None:
    w = World()
    w.add(ACME)
    w.x.post(ACME, "hello")
    assert w.store.acquire_lease(ACME.id, "other-invocation", T0 + timedelta(seconds=80), T0)

    summary = w.run()

    assert summary.polls == 0 and w.x.calls == 0


# ---------------------------------------------------------------------- bursts and batches
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
    assert_nothing_passed_the_reach(w)
    assert w.x.calls_while_exhausted == 0
    w.assert_exactly_once(ACME)


def test_a_run_out_of_time_stops_between_batches_and_the_next_run_goes_on_from_the_last_one() -> None:
    w = World(tuning=PollTuning(write_batch=10))
    w.add(ACME)
    w.run()
    posts = [w.x.post(ACME, f"m{i}", author=str(400 + i)) for i in range(35)]
    w.next_minute()
    original = w.store.put_message

    def slow_put(mention):  # type: ignore[no-untyped-def]
        original(mention)
        w.clock.advance(1)  # each write takes a second

    w.store.put_message = slow_put  # type: ignore[method-assign]
    first = w.run(budget=0, hard=15)

    assert first.ingested == 20  # two batches of 10 in 15 s; the third waits for the next run
    assert w.store.get_cursor(ACME.id, Feed.MENTIONS).since_id == posts[19].id  # type: ignore[union-attr]
    assert first.handed_off == 0  # out of time: stored as pending, the next run starts their triage
    w.next_minute()
    second = w.run()
    assert (second.ingested, second.reads, second.duplicates, second.handed_off) == (15, 15, 0, 35)
    w.assert_exactly_once(ACME)


def test_slow_triage_starts_fill_the_gaps_between_polls_and_never_delay_one() -> None:
    w = World(read_dms=False)  # one feed: with two due at once, the first poll's starts get half a second
    w.add(ACME)
    w.run()
    original_start = w.handoff.start
    starts_when_a_poll_was_due = 0
    budget_ends = w.clock.now()

    def slow_start(mention):  # type: ignore[no-untyped-def]
        nonlocal starts_when_a_poll_was_due
        due = w.store.get_poll_state(ACME.id, Feed.MENTIONS).next_poll_at
        assert due is not None
        # Past the run's budget no poll follows in this run; the last half-second slice is free to use.
        starts_when_a_poll_was_due += due <= w.clock.now() < budget_ends
        w.clock.advance(2)  # Step Functions taking 2 s for each StartExecution
        original_start(mention)

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


def test_concurrent_writes_keep_the_oldest_of_a_repeat_as_the_one_that_counts() -> None:
    w = World(write_concurrency=8)
    w.add(ACME)
    seen: set[tuple[str, str]] = set()
    firsts, repeats = set(), set()
    for i in range(60):
        author, text = str(200 + i % 6), f"my order {i % 12} is late"
        post = w.x.post(ACME, text, author=author)
        (repeats if (author, text) in seen else firsts).add(post.id)
        seen.add((author, text))

    summary = w.run()

    assert summary.ingested == len(firsts) == 12 and summary.skipped == len(repeats) == 48
    w.assert_exactly_once(ACME, skipped_ids=frozenset(repeats))


def test_while_slow_storage_writes_a_burst_reads_go_on_on_schedule_and_nothing_passes_x_reach() -> None:
    # Each write takes 0.1 s (a DynamoDB in trouble, or the loaded local stack) while 40 mentions a
    # second arrive: writing lags far behind, and X keeps only the newest 800.
    w = World(windows_bypass_reach=False, read_dms=False)
    w.add(ACME)
    w.run()
    start = w.clock.now()
    arrivals = [start + timedelta(seconds=i / 40) for i in range(40 * 60)]

    def arrive() -> None:
        while arrivals and arrivals[0] <= w.clock.now():
            n = len(w.x.posts)
            w.x.post(ACME, f"outage report {n}", author=str(20_000 + n), at=arrivals.pop(0))

    def elapse(seconds: float) -> None:
        w.clock.advance(seconds)
        arrive()

    original_put = w.store.put_message

    def slow_put(mention):  # type: ignore[no-untyped-def]
        original_put(mention)
        elapse(0.1)

    w.clock.sleep = elapse  # type: ignore[method-assign]
    w.store.put_message = slow_put  # type: ignore[method-assign]
    for _ in range(6):
        w.run(budget=50, hard=300)  # a long function timeout lets a run write its backlog
        elapse(10)
    w.store.put_message = original_put  # type: ignore[method-assign]
    w.next_minute()
    w.run()

    assert not arrivals
    assert_nothing_passed_the_reach(w)
    w.assert_exactly_once(ACME)


def test_in_a_burst_the_next_read_is_timed_from_the_start_of_the_last_one() -> None:
    # 50 mentions a second: the burst rule reads every 8 s (half of X's reach of 800 at that rate). Each
    # page of X takes 0.6 s, so a chain takes seconds to read; timed from its end, reads would drift to
    # 11 s apart (550 mentions, plus those arriving while paging), near X's reach.
    w = World(windows_bypass_reach=False, read_dms=False)
    w.add(ACME)
    w.x.post(ACME, "a quiet morning", author="29999")
    w.run()  # the brand has a cursor when the burst begins
    start = w.clock.now()
    arrivals = [start + timedelta(seconds=i / 50) for i in range(50 * 60)]
    chain_starts: list[datetime] = []

    def elapse(seconds: float) -> None:
        w.clock.advance(seconds)
        while arrivals and arrivals[0] <= w.clock.now():
            n = len(w.x.posts)
            w.x.post(ACME, f"outage report {n}", author=str(30_000 + n), at=arrivals.pop(0))

    original_read, original_put = w.x.read, w.store.put_message

    def slow_read(brand, query):  # type: ignore[no-untyped-def]
        if query.pagination_token is None and query.since_id is not None:
            chain_starts.append(w.clock.now())
        elapse(0.6)
        return original_read(brand, query)

    def slow_put(mention):  # type: ignore[no-untyped-def]
        original_put(mention)
        elapse(0.01)

    w.clock.sleep = elapse  # type: ignore[method-assign]
    w.x.read = slow_read  # type: ignore[method-assign]
    w.store.put_message = slow_put  # type: ignore[method-assign]
    for _ in range(6):
        w.run(budget=50, hard=300)
        elapse(10)
    w.x.read, w.store.put_message = original_read, original_put  # type: ignore[method-assign]
    w.next_minute()
    w.run()

    during = [t for t in chain_starts if start + timedelta(seconds=20) <= t <= start + timedelta(seconds=60)]
    apart = [(b - a).total_seconds() for a, b in itertools.pairwise(during)]
    assert apart and max(apart) <= 8.5, apart  # the burst interval, plus at most one batch of writes
    assert not arrivals
    assert_nothing_passed_the_reach(w)
    w.assert_exactly_once(ACME)


def assert_nothing_passed_the_reach(w: World) -> None:
    """Long chains may have lost their oldest end; each was checked by a time window, which re-read
    only the post at its cursor: a burst is read once, plus one read per check."""
    gaps = w.store.gaps(ACME.id)
    assert all(g.status is GapStatus.CLOSED and g.recovered == 0 for g in gaps), gaps
    assert w.x.reads <= len(w.x.posts_of(ACME)) + len(gaps)


def test_a_read_that_falls_due_while_a_batch_is_in_the_write_pool_happens_on_time() -> None:
    # Concurrent writes, as deployed. The run's first batch takes 30 s to write (storage in trouble);
    # its next read falls due meanwhile and must not wait for the batch, or a burst outruns X's reach.
    cadence = Cadence(min_interval_seconds=1.0, max_interval_seconds=5.0)
    w = World(write_concurrency=8, read_dms=False, x_limit=100_000, tuning=PollTuning(cadence=cadence))
    w.add(ACME)
    w.x.post(ACME, "a quiet morning", author="29999")
    w.run()
    for i in range(120):
        w.x.post(ACME, f"outage report {i}", author=str(30_000 + i), step_seconds=0.0)

    read_while_writing = threading.Event()
    writing = threading.Event()
    original_read, original_put = w.x.read, w.store.put_message
    gate = threading.Lock()

    def read(brand, query):  # type: ignore[no-untyped-def]
        if writing.is_set():
            read_while_writing.set()
        return original_read(brand, query)

    def slow_put(mention):  # type: ignore[no-untyped-def]
        if gate.acquire(blocking=False):  # the first write of the run is the slow one
            w.x.post(ACME, "arrived while the batch was written", author="31000", step_seconds=30.0)
            writing.set()
            read_while_writing.wait(timeout=10)  # real seconds: the test fails, it does not hang
            writing.clear()
        original_put(mention)

    w.x.read = read  # type: ignore[method-assign]
    w.store.put_message = slow_put  # type: ignore[method-assign]
    w.clock.advance(cadence.min_interval_seconds)  # the brand is due
    summary = w.run(budget=0, hard=300)

    assert read_while_writing.is_set(), "the due read waited for the batch"
    assert summary.ingested == 121 and summary.reads == 121  # the new post read once, in that read
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
    assert_nothing_passed_the_reach(w)


def test_a_brand_that_is_busy_but_not_in_a_burst_waits_for_the_next_invocation() -> None:
    # 2 mentions a second: 240 by the time the next invocation reads, well inside X's reach.
    w, start = _brand_due_after_a_quiet_poll()

    ended, chains = _poll_through(w, rate=2, seconds=90, budget=10)

    assert max(chains) <= start + timedelta(seconds=15)
    assert ended < start + timedelta(seconds=30)


def test_a_post_x_sent_unreadable_is_stored_raw_counted_and_the_cursor_moves_past_it() -> None:
    w = World()
    w.add(ACME)
    w.run()
    before = w.x.post(ACME, "my bag is lost")
    poison = w.x.post(ACME, '{"id": "...", "created_at": "yesterday"}')
    w.x.posts[-1] = replace(
        w.x.posts[-1], mention=poison.model_copy(update={"unreadable": "ValueError: bad"})
    )
    after = w.x.post(ACME, "still waiting")
    w.next_minute()

    summary = w.run()

    assert (summary.ingested, summary.unreadable) == (2, 1)
    stored = w.store.mentions[(ACME.id, poison.id)]
    assert stored.status is MentionStatus.UNREADABLE and stored.mention.unreadable == "ValueError: bad"
    assert f"m-{ACME.id}-{poison.id}" not in w.handoff.executions  # never triaged
    assert {f"m-{ACME.id}-{before.id}", f"m-{ACME.id}-{after.id}"} <= set(w.handoff.executions)
    assert w.store.get_cursor(ACME.id, Feed.MENTIONS).since_id == after.id  # type: ignore[union-attr]
    assert w.metrics.total("UnreadablePosts") == 1
