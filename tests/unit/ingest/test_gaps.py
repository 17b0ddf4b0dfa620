"""Gaps on fakes (`carebird.ingest.gaps`): mentions X could not page back to are recorded, then filled
by time-window queries, now or in a later run."""

from __future__ import annotations

from carebird.ingest.model import Feed, GapReason, GapStatus
from carebird.ingest.poll import PollTuning
from carebird.ports.x import TransientXError
from tests.support.ingest_fakes import brand
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
