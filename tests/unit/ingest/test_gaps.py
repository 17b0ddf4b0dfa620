"""Gaps on fakes (`carebird.ingest.gaps`): mentions X could not page back to are recorded, then filled
by time-window queries, now or in a later run."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from carebird.ingest.gaps import has_spare_requests, is_due, retry_delay
from carebird.ingest.model import Feed, Gap, GapReason, GapStatus, RateLimit
from carebird.ingest.poll import PollTuning
from carebird.ports.x import TransientXError
from tests.support.ingest_fakes import T0, brand
from tests.unit.ingest.world import World

ACME = brand("acme", "1000")
GLOBEX = brand("globex", "2000")


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


def test_a_gap_x_no_longer_serves_is_marked_lost_kept_for_a_person_and_not_tried_again() -> None:
    tuning = PollTuning(reach_limit=50, page_size=50, gap_retry_seconds=60, gap_max_attempts=3)
    w = World(x_reach=50, windows_bypass_reach=False, tuning=tuning)
    w.add(ACME)
    w.x.post(ACME, "before the outage")
    w.run()
    for i in range(120):
        w.x.post(ACME, f"outage report {i}", author=str(9000 + i))
    w.next_minute()
    first = w.run()
    windows = sum(1 for _, q in w.x.queries if q.end_time is not None)
    for _ in range(6):
        w.next_minute()
        w.run()

    (gap,) = w.store.gaps(ACME.id)
    # X answered the window in full and served nothing, not even the cursor post: its reach slid past.
    assert gap.status is GapStatus.LOST and gap.attempts == 1 and gap.recovered == 0
    assert first.gaps_lost == 1 and w.metrics.total("GapsLostToX") == 1
    assert w.store.open_gaps(ACME.id) == [] and gap.closed_at is not None  # kept, with its times
    assert sum(1 for _, q in w.x.queries if q.end_time is not None) == windows == 1  # not tried again
    assert len(w.store.mentions) == 1 + 50  # the newest 50 are in; X will not give us the other 70
    missing = {m.id for m in w.x.posts_of(ACME)} - {tid for _, tid in w.store.mentions}
    assert len(missing) == 70 and all(gap.contains(tid) for tid in missing)


def _windows(w: World) -> int:
    return sum(1 for _, q in w.x.queries if q.end_time is not None)


def test_failed_windows_back_off_and_go_on_past_the_escalation_threshold_until_x_answers() -> None:
    tuning = PollTuning(
        page_size=10, max_pages=2, gap_retry_seconds=60, gap_retry_max_seconds=240, gap_max_attempts=2
    )
    w = World(tuning=tuning)
    w.add(ACME)
    w.x.post(ACME, "before the outage")
    w.run()
    for i in range(30):
        w.x.post(ACME, f"outage report {i}", author=str(9000 + i))
    w.clock.advance(60)
    w.x.fail_on_call[w.x.calls + 3] = TransientXError("read timed out")  # two pages, then the window
    first = w.run()
    assert (first.ingested, first.gaps, first.errors) == (20, 1, 0)

    # Each run makes one read (nothing new) and, when the gap's back-off has passed, one window,
    # which times out: 60 s, then 120, then 240 and no more (its cap), never given up.
    tried = []
    for waited in (70, 60, 70, 120, 100, 30, 200, 50):
        w.clock.advance(waited)
        w.x.fail_on_call[w.x.calls + 2] = TransientXError("read timed out")
        before = _windows(w)
        w.run()
        w.x.fail_on_call.clear()
        tried.append(_windows(w) - before)
    assert tried == [1, 0, 1, 0, 0, 1, 0, 1]
    (gap,) = w.store.gaps(ACME.id)
    assert gap.status is GapStatus.OPEN and gap.attempts == 5 > tuning.gap_max_attempts
    assert gap.stalled == 5 and gap.recovered == 0

    w.clock.advance(240)
    w.run()  # X answers the window at last
    (gap,) = w.store.gaps(ACME.id)
    assert gap.status is GapStatus.CLOSED and gap.recovered == 10
    w.assert_exactly_once(ACME)


def test_a_run_spends_a_bounded_number_of_windows_on_gaps_and_none_past_its_deadline() -> None:
    tuning = PollTuning(reach_limit=50, page_size=50, gap_retry_seconds=0, gap_windows_per_run=1)
    w = World(x_reach=50, tuning=tuning)  # a window reaches back past X's reach, 50 at a time
    w.add(ACME)
    w.x.post(ACME, "before the outage")
    w.run()
    for i in range(160):
        w.x.post(ACME, f"outage report {i}", author=str(9000 + i))
    w.next_minute()

    w.run()  # the check of the chain that found the gap, then the run's one backfill window
    (gap,) = w.store.gaps(ACME.id)
    assert _windows(w) == 2 and gap.status is GapStatus.OPEN and 0 < gap.recovered < 110

    w.next_minute()
    w.x.post(ACME, "still down?", author="77")
    original = w.store.put_message

    def slow_put(mention):  # type: ignore[no-untyped-def]
        original(mention)
        w.clock.advance(100)  # storage so slow that the run is past its deadline after one write

    w.store.put_message = slow_put  # type: ignore[method-assign]
    w.run(hard=30)
    w.store.put_message = original  # type: ignore[method-assign]
    assert _windows(w) == 2  # out of time: the gap waits for the next run

    spent = []
    while w.store.open_gaps(ACME.id) and len(spent) < 5:
        before = _windows(w)
        w.next_minute()
        w.run()
        spent.append(_windows(w) - before)
    assert spent == [1] * len(spent)  # one window a run, until it closed
    (gap,) = w.store.gaps(ACME.id)
    assert gap.status is GapStatus.CLOSED and gap.recovered == 110  # all but the chain's newest 50
    w.assert_exactly_once(ACME)
    assert w.metrics.values["GapsOpen"][-1] == 0


def test_the_retry_policy_doubles_per_stalled_try_up_to_its_cap_and_keeps_x_reserve() -> None:
    tuning = PollTuning(gap_retry_seconds=300, gap_retry_max_seconds=3600)
    gap = Gap(
        brand_id="b",
        from_id="10",
        to_id="20",
        from_time=T0,
        to_time=T0,
        reason=GapReason.PAGE_FAILED,
        detected_at=T0,
    )
    delays = [retry_delay(replace(gap, stalled=n), tuning).total_seconds() for n in range(7)]
    assert delays == [300, 300, 600, 1200, 2400, 3600, 3600]
    assert retry_delay(replace(gap, stalled=10_000), tuning).total_seconds() == 3600

    assert is_due(gap, T0, tuning)  # never tried
    tried = replace(gap, attempts=50, stalled=3, last_attempt_at=T0)
    assert not is_due(tried, T0 + timedelta(seconds=1199), tuning)
    assert is_due(tried, T0 + timedelta(seconds=1200), tuning)  # fifty tries: still tried
    for status in (GapStatus.CLOSED, GapStatus.LOST):
        assert not is_due(replace(gap, status=status), T0 + timedelta(days=1), tuning)

    reset = T0 + timedelta(minutes=10)
    reserve = tuning.cadence.rate_limit_reserve
    assert has_spare_requests(None, T0, tuning)
    assert has_spare_requests(RateLimit(180, reserve + 1, reset), T0, tuning)
    assert not has_spare_requests(RateLimit(180, reserve, reset), T0, tuning)
    assert has_spare_requests(RateLimit(180, 0, reset), reset, tuning)  # the window has reset
    assert has_spare_requests(RateLimit(8, 3, reset), T0, tuning)  # a small window keeps a quarter
    assert not has_spare_requests(RateLimit(8, 2, reset), T0, tuning)


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
