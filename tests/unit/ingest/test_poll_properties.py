"""Property: whatever arrives, however it is paged, wherever runs die, every mention and DM ends up stored
once and every one that is work is triaged exactly once."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from carebird.ingest.model import Feed
from carebird.ingest.poll import PollTuning
from carebird.ports.x import TransientXError
from tests.support.ingest_fakes import Crash, brand
from tests.unit.ingest.world import World

ACME = brand("acme", "1000")
KINDS = st.sampled_from(["work", "work", "work", "own", "retweet", "repeat"])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    batches=st.lists(st.lists(KINDS, max_size=40), min_size=1, max_size=4),
    page_size=st.integers(min_value=5, max_value=30),
    crash_points=st.lists(
        st.one_of(st.none(), st.integers(0, 10_000), st.integers(0, 10_000)), min_size=1, max_size=4
    ),
)
def test_every_mention_is_stored_once_and_triaged_once(
    batches: list[list[str]], page_size: int, crash_points: list[int | None]
) -> None:
    w = World(tuning=PollTuning(page_size=page_size))
    w.add(ACME)
    w.run()
    skipped: set[str] = set()
    work: list[tuple[str, str]] = []  # (author, text) of posts that became work
    points = iter(crash_points)
    n = crashes = 0
    for batch in batches:
        for kind in batch:
            n += 1
            if kind == "own":
                skipped.add(w.x.post(ACME, f"announcement {n}", author=ACME.user_id).id)
            elif kind == "retweet":
                skipped.add(w.x.post(ACME, f"RT @acme: {n}", author=str(n), retweet_of="42").id)
            elif kind == "repeat" and work:
                author, text = work[n % len(work)]
                skipped.add(w.x.post(ACME, text, author=author).id)
            else:
                author, text = str(100 + n % 7), f"problem number {n}"
                w.x.post(ACME, text, author=author)
                work.append((author, text))
        w.next_minute()
        point = next(points, None)
        # About ten side effects per post: aim inside this run rather than past its end.
        w.crash.rearm(None if point is None else 1 + point % (10 * len(batch) + 8))
        with contextlib.suppress(Crash):
            w.run()
        crashes += w.crash.dead
        w.crash.rearm(None)

    w.next_minute()
    w.run()
    event(f"runs that crashed: {crashes}")

    w.assert_exactly_once(ACME, skipped_ids=frozenset(skipped))
    assert (
        w.store.get_cursor(ACME.id, Feed.MENTIONS).since_id
        == max((m.id for m in w.x.posts_of(ACME)), key=int)
        if n
        else True
    )  # type: ignore[union-attr]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    batches=st.lists(st.lists(st.sampled_from(["customer", "customer", "brand"]), max_size=60), max_size=4),
    write_batch=st.integers(min_value=1, max_value=30),
    failing_page=st.lists(st.one_of(st.none(), st.integers(1, 6)), min_size=4, max_size=4),
    crash_points=st.lists(st.one_of(st.none(), st.integers(0, 10_000)), min_size=4, max_size=4),
)
def test_every_dm_is_stored_once_and_each_customer_dm_triaged_once(
    batches: list[list[str]],
    write_batch: int,
    failing_page: list[int | None],
    crash_points: list[int | None],
) -> None:
    w = World(tuning=PollTuning(write_batch=write_batch))
    w.add(ACME)
    w.run()
    original = w.dms.read
    n = 0
    for batch, fail_at, point in zip(batches, failing_page, crash_points, strict=False):
        for kind in batch:
            n += 1
            if kind == "brand":
                w.dms.send(ACME.user_id, str(100 + n % 5), f"answer {n}")
            else:
                w.dms.send(str(100 + n % 5), ACME.user_id, f"question {n}")
        calls = {"n": 0}

        def flaky(b, query, fail_at=fail_at, calls=calls):  # type: ignore[no-untyped-def]
            calls["n"] += 1
            if calls["n"] == fail_at:
                raise TransientXError("503 from X")
            return original(b, query)

        w.dms.read = flaky  # type: ignore[method-assign]
        w.next_minute()
        w.crash.rearm(None if point is None else 1 + point % (6 * len(batch) + 8))
        with contextlib.suppress(Crash):
            w.run()
        w.crash.rearm(None)

    w.dms.read = original  # type: ignore[method-assign]
    for _ in range(2):  # one to recover, one to let a failing-page backoff pass
        w.next_minute()
        w.run()
    w.assert_dms_exactly_once(ACME)
