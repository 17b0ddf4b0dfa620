"""Hand-offs on fakes (`carebird.ingest.handoffs`): each stored mention is triaged once, even when the
process dies between starting triage and marking it, and a refused start is retried."""

from __future__ import annotations

import pytest

from carebird.ingest.model import Feed, MentionStatus
from tests.support.ingest_fakes import Crash, brand
from tests.unit.ingest.world import World

ACME = brand("acme", "1000")
GLOBEX = brand("globex", "2000")


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
