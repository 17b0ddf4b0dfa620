"""One invocation on fakes (`carebird.ingest.run`): a crash at any point loses and duplicates nothing,
leases keep overlapping runs apart, one brand's failure stops no other, a run out of time stops
between batches."""

from __future__ import annotations

from datetime import timedelta

import pytest

from carebird.ingest.model import Feed
from carebird.ingest.poll import PollTuning
from carebird.ports.x import XAuthError
from carebird.spend.book import SpendBook, SpendCount
from carebird.spend.prices import XUse
from tests.support.ingest_fakes import T0, Crash, brand
from tests.support.spend_fakes import FakeSpendCounters
from tests.unit.ingest.world import World

ACME = brand("acme", "1000")
GLOBEX = brand("globex", "2000")


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


def test_a_run_out_of_time_stops_between_batches_and_the_next_run_writes_what_it_read() -> None:
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
    # The 15 it read and could not write were kept: written first, not read from X again (a burst may
    # have pushed them past X's reach by then).
    assert (second.ingested, second.reads, second.duplicates, second.handed_off) == (15, 0, 0, 35)
    w.assert_exactly_once(ACME)


def test_a_burst_read_faster_than_it_is_written_loses_nothing_when_the_run_runs_out_of_time() -> None:
    # A run reads a burst on schedule while its writes fall behind; at its deadline more is read and not
    # written than X's reach. Read again from X by the next run, the oldest of it would be gone (X
    # serves the newest 50 here, 800 on X): it is kept, and the next run writes it first.
    tuning = PollTuning(reach_limit=50, page_size=50, write_batch=10)
    w = World(x_reach=50, windows_bypass_reach=False, tuning=tuning)
    w.add(ACME)
    w.x.post(ACME, "before the outage")
    w.run()
    w.clock.advance(11)
    for i in range(45):
        w.x.post(ACME, f"outage {i}", author=str(100 + i), step_seconds=0.1)
    original = w.store.put_message
    arrived = iter(range(10_000))

    def slow_put_in_a_burst(mention):  # type: ignore[no-untyped-def]
        original(mention)
        w.clock.advance(1)  # a write takes a second, while two more mentions arrive
        for n in (next(arrived), next(arrived)):
            w.x.post(ACME, f"me too {n}", author=str(5000 + n), at=w.clock.now())

    w.store.put_message = slow_put_in_a_burst  # type: ignore[method-assign]
    first = w.run(budget=0, hard=60)
    w.store.put_message = original  # type: ignore[method-assign]
    unwritten = len(w.store.kept[ACME.id])
    assert unwritten > tuning.reach_limit and first.ingested + unwritten == len(w.x.posts_of(ACME)) - 1

    w.next_minute()
    second = w.run()
    assert (second.ingested, second.reads, second.gaps_lost) == (unwritten, 0, 0)  # not read again
    assert w.store.kept[ACME.id] == []
    w.assert_exactly_once(ACME)


def test_each_run_reports_how_much_of_a_brands_x_budget_is_spent_and_reads_no_less() -> None:
    book = SpendBook(FakeSpendCounters())
    w = World(spend=book)
    capped = w.add(brand("acme", "1000").model_copy(update={"settings": {"x_daily_budget_usd": 1}}))
    w.add(GLOBEX)  # no budget: counted, never compared
    today = w.clock.now().date()
    book.record(capped.id, today, {XUse.POST_WITH_URL: 4, XUse.POST: 2})  # $0.83 of $1
    w.run()
    assert w.metrics.values["XBudgetUsedPercent"] == [pytest.approx(83.0)]
    book.record(capped.id, today, {XUse.POST_WITH_URL: 1})  # $1.03: past the budget
    w.x.post(capped, "my order never came", author="55")
    w.next_minute()
    w.run()
    assert w.metrics.values["XBudgetUsedPercent"][-1] == pytest.approx(103.0)
    assert "my order never came" in {
        m.mention.text for (b, _), m in w.store.mentions.items() if b == capped.id
    }


def test_a_spend_store_that_fails_is_logged_and_the_poll_goes_on() -> None:
    class Broken(FakeSpendCounters):
        def read(self, *args: object) -> list[SpendCount]:
            raise RuntimeError("table unavailable")

    w = World(spend=SpendBook(Broken()))
    capped = w.add(brand("acme", "1000").model_copy(update={"settings": {"x_daily_budget_usd": 1}}))
    w.x.post(capped, "hello?", author="55")
    summary = w.run()
    assert summary.ingested == 1 and summary.errors == 1
    assert "XBudgetUsedPercent" not in w.metrics.values


def test_a_run_that_finds_nothing_takes_and_gives_up_the_lease_and_writes_nothing_else() -> None:
    """Every brand pays a run every minute: the lease's write reads back the states and cursors, the
    rounds keep their states in memory, and the release saves them."""
    w = World()
    w.add(ACME)
    w.x.post(ACME, "hello")
    w.run()
    w.next_minute()
    w.store.poll_calls.clear()

    summary = w.run(budget=50)  # a deployed run: re-polls until its budget, finding nothing

    assert summary.polls > 2 and summary.ingested == 0
    assert w.store.poll_calls == {"acquire_lease": 1, "release_lease": 1}
    saved = w.store.get_poll_state(ACME.id, Feed.MENTIONS)
    assert saved.last_polled_at is not None and saved.last_polled_at > w.clock.now() - timedelta(seconds=20)
    assert ACME.id not in w.store.leases


def test_a_round_that_stores_mentions_saves_its_cursor_once_before_handing_them_off() -> None:
    w = World()
    w.add(ACME)
    w.run()
    w.next_minute()
    w.x.post(ACME, "refund?")
    w.x.post(ACME, "still waiting", author="77")
    w.store.poll_calls.clear()

    summary = w.run()

    assert summary.ingested == 2 and summary.handed_off == 2
    assert w.store.poll_calls == {"acquire_lease": 1, "save_poll_states": 1, "release_lease": 1}


def test_a_lease_that_cannot_be_given_up_leaves_the_other_brands_released() -> None:
    w = World()
    w.add(ACME)
    w.add(GLOBEX)
    release = w.store.release_lease

    def failing(brand_id, owner, states=None):  # type: ignore[no-untyped-def]
        if brand_id == ACME.id:
            raise ConnectionError("DynamoDB unreachable")
        release(brand_id, owner, states)

    w.store.release_lease = failing  # type: ignore[method-assign]
    summary = w.run()

    assert summary.errors == 1
    assert ACME.id in w.store.leases and GLOBEX.id not in w.store.leases
