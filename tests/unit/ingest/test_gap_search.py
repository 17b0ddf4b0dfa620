"""Gaps read through X's recent search once the mentions timeline no longer serves them
(`carebird.ingest.gap_search`, `carebird.ingest.gaps`): the policy alone, then runs on fakes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from carebird.ingest.gap_search import HORIZON_MARGIN, SearchOutcome, horizon, outcome, plan
from carebird.ingest.model import Gap, GapReason, GapStatus
from carebird.ingest.poll import PollTuning
from carebird.ports.x import TransientXError, XRateLimited
from tests.support.ingest_fakes import T0, brand
from tests.unit.ingest.world import World

ACME = brand("acme", "1000")
FROM_ID, TO_ID = "1800000000000000100", "1800000000000000900"


def _gap(from_age: timedelta, to_age: timedelta, from_id: str = FROM_ID) -> Gap:
    return Gap(
        brand_id=ACME.id,
        from_id=from_id,
        to_id=TO_ID,
        from_time=T0 - from_age,
        to_time=T0 - to_age,
        reason=GapReason.REACH_LIMIT,
        detected_at=T0,
    )


# The policy


def test_a_stretch_within_seven_days_is_searched_down_to_the_cursor_post() -> None:
    planned = plan(_gap(timedelta(days=6), timedelta(days=5)), T0, 100)
    assert planned is not None and planned.whole
    assert planned.query.since_id == str(int(FROM_ID) - 1)  # the cursor post comes back: the proof
    assert planned.query.until_id == TO_ID and planned.query.start_time is None
    assert planned.query.max_results == 100


def test_a_stretch_partly_older_than_seven_days_is_searched_from_the_horizon_only() -> None:
    planned = plan(_gap(timedelta(days=9), timedelta(days=3)), T0, 100)
    assert planned is not None and not planned.whole
    assert planned.query.since_id is None and planned.query.until_id == TO_ID
    assert planned.query.start_time is not None
    assert horizon(T0) <= planned.query.start_time <= horizon(T0) + timedelta(seconds=1)
    assert planned.query.start_time.microsecond == 0  # X takes whole seconds


def test_a_stretch_wholly_older_than_seven_days_is_not_searched() -> None:
    assert plan(_gap(timedelta(days=9), timedelta(days=8)), T0, 100) is None
    edge = timedelta(days=7) - HORIZON_MARGIN
    assert plan(_gap(timedelta(days=8), edge), T0, 100) is None  # kept off the edge of X's window


def test_before_any_cursor_the_search_starts_at_the_first_polls_start() -> None:
    planned = plan(_gap(timedelta(days=1), timedelta(hours=1), from_id="0"), T0, 100)
    assert planned is not None and planned.whole
    assert planned.query.since_id is None and planned.query.start_time == T0 - timedelta(days=1)


WHOLE = plan(_gap(timedelta(days=6), timedelta(days=5)), T0, 100)
PART = plan(_gap(timedelta(days=9), timedelta(days=5)), T0, 100)


@pytest.mark.parametrize(
    ("search", "complete", "reached", "found", "first", "expected"),
    [
        (WHOLE, True, True, 20, False, SearchOutcome.FILLED),
        (WHOLE, True, True, 0, False, SearchOutcome.FILLED),  # the cursor post back: nothing between
        (WHOLE, True, False, 0, True, SearchOutcome.FILLED),  # no cursor post to reach: complete is all
        # Answered in full without the cursor post: search matched differently there; for a person.
        (WHOLE, True, False, 20, False, SearchOutcome.LOST),
        (WHOLE, True, False, 0, False, SearchOutcome.LOST),
        (PART, True, False, 20, False, SearchOutcome.LOST),  # read what it could; the rest is past 7 days
        (WHOLE, False, False, 20, False, SearchOutcome.NARROWED),
        (PART, False, False, 20, False, SearchOutcome.NARROWED),
        (WHOLE, False, False, 0, False, SearchOutcome.RETRY),  # failed: never lost for it
    ],
)
def test_what_one_search_settles(
    search: object, complete: bool, reached: bool, found: int, first: bool, expected: SearchOutcome
) -> None:
    assert WHOLE is not None and PART is not None
    assert isinstance(search, type(WHOLE))
    result = outcome(search, complete=complete, reached_cursor=reached, found=found, before_any_cursor=first)
    assert result is expected


# Runs on fakes: a timeline of reach 50 whose windows do not reach past it, and recent search


def _outage(tuning: PollTuning | None = None, reports: int = 120) -> World:
    w = World(
        x_reach=50,
        windows_bypass_reach=False,
        search=True,
        tuning=tuning or PollTuning(reach_limit=50, page_size=50, gap_retry_seconds=60),
    )
    w.add(ACME)
    w.x.post(ACME, "before the outage")
    w.run()
    for i in range(reports):
        w.x.post(ACME, f"outage report {i}", author=str(9000 + i))
    w.next_minute()
    return w


def test_a_gap_the_timeline_no_longer_serves_is_filled_through_search_each_mention_once() -> None:
    w = _outage()
    summary = w.run()

    (gap,) = w.store.gaps(ACME.id)
    assert gap.status is GapStatus.CLOSED and gap.recovered == 70
    assert summary.gaps_closed == 1 and summary.gaps_lost == 0 and w.metrics.total("GapsLostToX") == 0
    w.assert_exactly_once(ACME)
    assert w.search_x.reads == 70 + 1  # the gap's 70 and the cursor post that proves it reached down
    assert all(q.until_id == gap.to_id and q.since_id for q in w.search_x.queries)
    searched = len(w.search_x.queries)
    w.next_minute()
    w.run()
    assert len(w.search_x.queries) == searched  # a filled gap is not searched again


def test_a_failed_search_leaves_the_gap_open_and_a_later_run_fills_it() -> None:
    w = _outage()
    w.search_x.failures.append(TransientXError("read timed out"))
    w.run()
    (gap,) = w.store.gaps(ACME.id)
    assert gap.status is GapStatus.OPEN and gap.recovered == 0
    w.clock.advance(120)
    w.run()
    (gap,) = w.store.gaps(ACME.id)
    assert gap.status is GapStatus.CLOSED and gap.recovered == 70
    w.assert_exactly_once(ACME)


def test_searchs_429_stops_only_the_searches_and_the_gap_waits_open() -> None:
    w = _outage()
    w.search_x.failures.append(XRateLimited(w.clock.now() + timedelta(minutes=15)))
    summary = w.run()
    (gap,) = w.store.gaps(ACME.id)
    assert gap.status is GapStatus.OPEN and summary.gaps_lost == 0
    assert len(w.search_x.queries) == 1  # no second search in the run after X said 429
    assert len([m for (_, _), m in w.store.mentions.items()]) == 1 + 50  # the timeline's reads stand
    w.clock.advance(15 * 60)
    w.run()
    assert w.store.gaps(ACME.id)[0].status is GapStatus.CLOSED
    w.assert_exactly_once(ACME)


def test_searches_keep_a_reserve_of_searchs_own_requests() -> None:
    # One page per chain, so the gap takes several searches; search's window is nearly spent.
    w = _outage(PollTuning(reach_limit=50, page_size=50, max_pages=1, gap_retry_seconds=60))
    w.search_x.limit = 20  # the reserve kept of a window this small is a quarter of it: 5
    w.search_x._used[ACME.credentials_secret] = 15
    w.search_x._window_start[ACME.credentials_secret] = w.clock.now()
    w.run()
    (gap,) = w.store.gaps(ACME.id)
    # The first search read a page (the 50 newest of the gap) and left 4 requests: no second one.
    assert gap.status is GapStatus.OPEN and gap.recovered == 50
    assert len(w.search_x.queries) == 1 and w.search_x.calls_while_exhausted == 0
    w.clock.advance(15 * 60)  # search's window resets
    w.run()
    (gap,) = w.store.gaps(ACME.id)
    assert gap.status is GapStatus.CLOSED and gap.recovered == 70
    w.assert_exactly_once(ACME)


def test_a_gap_older_than_searchs_seven_days_is_lost_without_a_search() -> None:
    w = _outage()
    w.clock.advance(8 * 24 * 3600)  # the poller was down for 8 days
    summary = w.run()
    (gap,) = w.store.gaps(ACME.id)
    assert gap.status is GapStatus.LOST and summary.gaps_lost == 1
    assert w.metrics.total("GapsLostToX") == 1
    assert w.search_x.queries == []


def test_a_search_that_never_reaches_the_cursor_post_stores_what_it_found_and_is_lost_for_a_person() -> None:
    w = _outage()
    cursor_post = w.x.posts_of(ACME)[0]
    w.search_x.hidden.add(cursor_post.id)  # a quote of the brand's post that never names it, say
    summary = w.run()
    (gap,) = w.store.gaps(ACME.id)
    assert gap.status is GapStatus.LOST and gap.recovered == 70 and summary.gaps_lost == 1
    w.assert_exactly_once(ACME)  # all stored once; the gap is kept for a person to look at
