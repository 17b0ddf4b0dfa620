"""DM ingestion on fakes: a brand's inbox read with a forward-only cursor, each customer DM triaged once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from carebird.ingest.model import Feed, MentionStatus, SkipReason
from carebird.ingest.poll import PollTuning
from carebird.ports.x import TransientXError, XAuthError, XRateLimited
from tests.support.ingest_fakes import T0, Crash, brand
from tests.unit.ingest.world import World

ACME = brand("acme", "1000")
GLOBEX = brand("globex", "2000")
WANDA, RICK = "55", "56"


def test_customer_dms_are_stored_and_each_handed_to_triage_once_in_the_dm_shape() -> None:
    w = World()
    w.add(ACME)
    question = w.dms.send(WANDA, ACME.user_id, "my card was charged twice", username="wanda")
    answer = w.dms.send(ACME.user_id, WANDA, "Sorry Wanda, we are on it", username="acme")

    summary = w.run()

    assert (summary.dms_ingested, summary.dms_skipped, summary.errors) == (1, 1, 0)
    w.assert_dms_exactly_once(ACME)
    assert w.store.get_message(ACME.id, Feed.DMS, answer.id).skip_reason is SkipReason.OWN_MESSAGE  # type: ignore[union-attr]
    execution = w.handoff.executions[f"d-{ACME.id}-{question.id}"]
    assert execution == {
        "brand_id": ACME.id,
        "dm": {
            "id": question.id,
            "text": "my card was charged twice",
            "created_at": question.created_at.isoformat().replace("+00:00", "Z"),
            "sender": {
                "id": WANDA,
                "username": "wanda",
                "name": "Wanda",
                "followers_count": 3,
                "verified": None,
            },
            "dm_conversation_id": f"{WANDA}-{ACME.user_id}",
        },
        "ingested_at": execution["ingested_at"],
        "classifier": ACME.config.classifier_input(),  # what Classify reads of the brand
    }
    assert w.metrics.total("DmsIngested") == 1 and w.metrics.total("DmsSkipped") == 1
    assert w.store.get_cursor(ACME.id, Feed.DMS).since_id == answer.id  # type: ignore[union-attr]


def test_the_first_poll_reaches_back_only_the_initial_lookback() -> None:
    w = World(tuning=PollTuning(initial_lookback_seconds=3600))
    w.add(ACME)
    w.dms.send(WANDA, ACME.user_id, "last week", at=T0 - timedelta(days=7))
    recent = w.dms.send(WANDA, ACME.user_id, "just now", at=T0 - timedelta(minutes=5))

    summary = w.run()

    assert summary.dms_ingested == 1
    assert [d.dm.id for d in w.store.list_messages(ACME.id, Feed.DMS)] == [recent.id]


def test_later_polls_page_newest_first_only_until_the_cursor_and_advance_it() -> None:
    w = World()
    w.add(ACME)
    w.dms.send(WANDA, ACME.user_id, "hello")
    w.run()
    for i in range(230):
        w.dms.send(str(5000 + i), ACME.user_id, f"question {i}")
    w.next_minute()
    calls, reads = w.dms.calls, w.dms.reads

    summary = w.run()

    assert summary.dms_ingested == 230 and summary.duplicates == 0
    w.assert_dms_exactly_once(ACME)
    # Pages grow from one event (the first poll's lookback says nothing of the rate), doubling to
    # 100: 1+2+...+64+100+100 reach 231 events.
    assert w.dms.calls - calls == 9
    assert w.dms.reads - reads - 230 <= 100  # what X returned below the cursor, read to know it is there
    newest = max(w.dms.inbox(ACME), key=lambda e: e.number)
    assert w.store.get_cursor(ACME.id, Feed.DMS).since_id == newest.id  # type: ignore[union-attr]


def test_after_the_first_poll_read_a_full_inbox_the_next_reads_only_the_newest_event() -> None:
    w = World()
    w.add(ACME)
    for i in range(25):
        w.dms.send(str(900 + i), ACME.user_id, f"hello {i}", at=T0 - timedelta(minutes=5 - i / 10))
    assert w.run().dm_reads == 25
    w.next_minute()
    assert w.run().dm_reads == 1


def test_a_quiet_inbox_costs_one_event_read_per_poll() -> None:
    w = World()
    w.add(ACME)
    for i in range(30):
        w.dms.send(WANDA, ACME.user_id, f"old message {i}", at=T0 - timedelta(minutes=10 - i / 10))
    w.run()
    for _ in range(4):
        w.next_minute()
        w.run()
    reads = w.dms.reads
    for _ in range(5):
        w.next_minute()
        assert w.run().dm_reads == 1  # the newest stored event itself, proof that nothing is newer
    assert w.dms.reads - reads == 5


def test_a_dm_chain_that_fails_midway_keeps_its_cursor_and_the_next_poll_reads_the_rest() -> None:
    w = World()
    w.add(ACME)
    first = w.dms.send(WANDA, ACME.user_id, "first")
    w.run()
    for i in range(20):
        w.dms.send(str(700 + i), ACME.user_id, f"m{i}")
    w.next_minute()
    original = w.dms.read
    calls = {"n": 0}

    def fails_on_second_page(b, query):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise TransientXError("502 from X")
        return original(b, query)

    w.dms.read = fails_on_second_page  # type: ignore[method-assign]
    failed = w.run()

    assert failed.errors == 1 and failed.dms_ingested == 1  # the first page (1 event) is stored and triaged
    assert w.store.get_cursor(ACME.id, Feed.DMS).since_id == first.id  # type: ignore[union-attr]
    w.next_minute()
    w.run()
    w.assert_dms_exactly_once(ACME)


def test_after_a_dm_429_no_dm_read_before_the_reset_while_mentions_go_on() -> None:
    w = World()
    w.add(ACME)
    reset = T0 + timedelta(minutes=9)
    w.dms.failures.append(XRateLimited(reset))
    w.dms.send(WANDA, ACME.user_id, "hello?")
    w.x.post(ACME, "@acme hello?")

    first = w.run(budget=50)
    assert first.rate_limited == 1 and first.ingested == 1
    calls = w.dms.calls
    for i in range(3):
        w.clock.advance(60)
        assert w.clock.now() < reset
        w.x.post(ACME, f"@acme still there? ({i})")
        assert w.run(budget=50).ingested == 1
    assert w.dms.calls == calls
    assert w.store.get_poll_state(ACME.id, Feed.DMS).blocked_until == reset

    w.clock.t = reset + timedelta(seconds=1)
    assert w.run().dms_ingested == 1


def test_a_busy_inbox_is_paced_within_the_dm_read_limit() -> None:
    w = World()
    w.dms.limit = 60  # X allows 300 per 15 minutes; a smaller window makes the pacing bite sooner
    w.add(ACME)
    original_sleep = w.clock.sleep

    def customers_keep_writing(seconds: float) -> None:
        original_sleep(seconds)
        w.dms.send(WANDA, ACME.user_id, f"at {w.clock.now().isoformat()}", at=w.clock.now())

    w.clock.sleep = customers_keep_writing  # type: ignore[method-assign]
    for _ in range(20):
        w.run(budget=50)
        w.clock.advance(10)
    w.clock.sleep = original_sleep  # type: ignore[method-assign]
    w.next_minute()
    w.run()

    assert w.dms.calls_while_exhausted == 0
    assert len(w.dms.events) > 50  # busy indeed
    w.assert_dms_exactly_once(ACME)


def test_a_brand_can_turn_dm_polling_off_and_a_dm_failure_does_not_stop_mentions() -> None:
    w = World()
    w.add(brand("acme", "1000", settings={"poll_dms": False}))
    w.add(GLOBEX)
    w.dms.send(WANDA, ACME.user_id, "hi acme")
    w.dms.failures.append(XAuthError("403 this app may not read DMs"))
    w.x.post(GLOBEX, "@globex hi")

    summary = w.run()

    assert w.dms.calls == 1 and w.store.dms == {}  # only globex's inbox was asked for, and it failed
    assert summary.ingested == 1 and summary.errors == 1
    assert "XAuthError" in (w.store.get_poll_state(GLOBEX.id, Feed.DMS).last_error or "")


def test_without_a_dm_reader_only_mentions_are_polled() -> None:
    w = World(read_dms=False)
    w.add(ACME)
    w.dms.send(WANDA, ACME.user_id, "hi")
    assert w.run().polls == 1 and w.dms.calls == 0


def _dm_scenario(w: World) -> None:
    w.add(ACME)
    w.run()
    for i in range(7):
        w.dms.send(str(100 + i), ACME.user_id, f"question {i}")
        if i % 3 == 0:
            w.dms.send(ACME.user_id, str(100 + i), f"answer {i}")
    w.next_minute()


def _count_dm_crash_points() -> int:
    w = World(tuning=PollTuning(write_batch=4))
    _dm_scenario(w)
    w.crash.rearm(None)
    w.run()
    return w.crash.seen


@pytest.mark.parametrize("crash_at", range(1, _count_dm_crash_points() + 1))
def test_a_crash_at_any_point_of_a_dm_poll_loses_nothing_and_triages_nothing_twice(crash_at: int) -> None:
    w = World(tuning=PollTuning(write_batch=4))
    _dm_scenario(w)
    w.crash.rearm(crash_at)

    with pytest.raises(Crash):
        w.run()
    w.crash.rearm(None)
    w.next_minute()
    w.run()

    w.assert_dms_exactly_once(ACME)
    stored = [d for (b, _), d in w.store.dms.items() if b == ACME.id]
    assert all(d.status is not MentionStatus.PENDING for d in stored)
