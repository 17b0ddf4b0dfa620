"""One poll of a brand's mentions on fakes (`carebird.ingest.mentions_feed`): read down to the cursor,
written oldest first, noise and repeats told apart, and reads kept on schedule while writes are slow."""

from __future__ import annotations

import itertools
import threading
from dataclasses import replace
from datetime import datetime, timedelta

from carebird.ingest.cadence import Cadence
from carebird.ingest.model import Feed, MentionStatus, SkipReason
from carebird.ingest.poll import PollTuning
from tests.support.ingest_fakes import T0, brand
from tests.unit.ingest.world import World, assert_nothing_passed_the_reach

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
    assert execution["classifier"] == ACME.config.classifier_input()  # Classify need not read the brand


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
    assert_nothing_passed_the_reach(w, ACME)
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
    assert_nothing_passed_the_reach(w, ACME)
    w.assert_exactly_once(ACME)


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
