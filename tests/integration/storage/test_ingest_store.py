"""The ingestion store's contract, run identically on moto, on DynamoDB Local, and on the unit tests' fake
(so the fake the poll tests rely on is held to the same behaviour as the real adapter)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from carebird.ingest.model import (
    Author,
    Cursor,
    DirectMessage,
    DmSender,
    Feed,
    Gap,
    GapReason,
    GapStatus,
    IngestedDm,
    IngestedMention,
    Mention,
    MentionStatus,
    PollState,
    RateLimit,
    ReferencedPost,
    SkipReason,
)
from carebird.ingest.ports import AlreadyIngested
from carebird.storage.ingest import DynamoIngestStore
from tests.integration.storage.conftest import DYNAMO_ENGINES, open_engine
from tests.support.ingest_fakes import FakeClock, FakeStore

T = datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=UTC)
BRAND = "1000"


@pytest.fixture(params=["fake", *DYNAMO_ENGINES])
def store(request: pytest.FixtureRequest, aws_env: None) -> Iterator[Any]:
    if request.param == "fake":
        yield FakeStore(FakeClock())
        return
    with open_engine(request.param, request) as engine:
        yield DynamoIngestStore(engine.table_name, host=engine.host)


def mention(tweet_id: str, text: str = "my order is late", **kwargs: Any) -> Mention:
    fields: dict[str, Any] = {
        "id": tweet_id,
        "author": Author(id="55", username="cust", name="Cust O'Mer", followers_count=12, verified=False),
        "text": text,
        "created_at": T,
    }
    fields.update(kwargs)
    return Mention(**fields)


def ingested(
    post: Mention, status: MentionStatus = MentionStatus.PENDING, brand_id: str = BRAND
) -> IngestedMention:
    skip = SkipReason.RETWEET if status is MentionStatus.SKIPPED else None
    return IngestedMention(brand_id=brand_id, mention=post, status=status, skip_reason=skip, ingested_at=T)


# ---------------------------------------------------------------------- mentions
def test_a_mention_is_written_once_and_reads_back_whole(store: Any) -> None:
    post = mention(
        "1790000000000000001",
        text="a long post " * 40,
        conversation_id="1790000000000000000",
        in_reply_to_user_id=BRAND,
        referenced=(ReferencedPost(type="replied_to", id="1790000000000000000"),),
        lang="en",
        entities={"mentions": [{"start": 0, "end": 5, "username": "acme"}], "urls": []},
        public_metrics={"like_count": 0, "reply_count": 2},
    )
    store.put_message(ingested(post))
    with pytest.raises(AlreadyIngested):
        store.put_message(ingested(post, MentionStatus.SKIPPED))

    back = store.get_message(BRAND, Feed.MENTIONS, post.id)
    assert back == ingested(post)  # the first write stood, every field intact


def test_the_same_post_is_a_separate_mention_for_each_brand(store: Any) -> None:
    post = mention("1790000000000000002")
    store.put_message(ingested(post, brand_id="1000"))
    store.put_message(ingested(post, brand_id="2000"))
    assert store.get_message("2000", Feed.MENTIONS, post.id) is not None


def test_mentions_list_newest_first(store: Any) -> None:
    for tid in ("999", "1000", "20", "1790000000000000003"):
        store.put_message(ingested(mention(tid)))
    listed = [m.mention.id for m in store.list_messages(BRAND, Feed.MENTIONS, limit=3)]
    assert listed == ["1790000000000000003", "1000", "999"]


def test_pending_handoffs_are_listed_oldest_first_until_marked(store: Any) -> None:
    store.put_message(ingested(mention("300")))
    store.put_message(ingested(mention("100")))
    store.put_message(ingested(mention("200"), MentionStatus.SKIPPED))
    assert [m.mention.id for m in store.pending_handoffs(BRAND, Feed.MENTIONS, 10)] == ["100", "300"]

    first = T + timedelta(seconds=5)
    store.mark_handed_off(BRAND, Feed.MENTIONS, "100", first)
    retry = first + timedelta(seconds=30)
    store.mark_handed_off(BRAND, Feed.MENTIONS, "100", retry)  # a retry changes nothing

    assert [m.mention.id for m in store.pending_handoffs(BRAND, Feed.MENTIONS, 10)] == ["300"]
    done = store.get_message(BRAND, Feed.MENTIONS, "100")
    assert done.status is MentionStatus.HANDED_OFF and done.handed_off_at == first
    assert store.get_message(BRAND, Feed.MENTIONS, "200").status is MentionStatus.SKIPPED


# ---------------------------------------------------------------------- DMs
def dm(event_id: str, sender: str = "55", status: MentionStatus = MentionStatus.PENDING) -> IngestedDm:
    return IngestedDm(
        brand_id=BRAND,
        dm=DirectMessage(
            id=event_id,
            text="hello, my parcel is lost",
            created_at=T,
            sender=DmSender(id=sender, username="cust", name="Cust O'Mer", followers_count=12, verified=True),
            dm_conversation_id=f"{sender}-{BRAND}",
        ),
        status=status,
        skip_reason=SkipReason.OWN_MESSAGE if status is MentionStatus.SKIPPED else None,
        ingested_at=T,
    )


def test_a_dm_is_written_once_reads_back_whole_and_never_collides_with_a_mention(store: Any) -> None:
    store.put_message(ingested(mention("1790000000000000010")))
    store.put_message(dm("1790000000000000010"))  # the same number as a tweet id: another entity
    with pytest.raises(AlreadyIngested):
        store.put_message(dm("1790000000000000010", status=MentionStatus.SKIPPED))
    assert store.get_message(BRAND, Feed.DMS, "1790000000000000010") == dm("1790000000000000010")
    assert store.get_message("2000", Feed.DMS, "1790000000000000010") is None


def test_dms_list_newest_first_and_pending_ones_oldest_first_until_marked(store: Any) -> None:
    store.put_message(dm("300"))
    store.put_message(dm("1000"))
    store.put_message(dm("200", sender=BRAND, status=MentionStatus.SKIPPED))
    assert [d.dm.id for d in store.list_messages(BRAND, Feed.DMS, limit=2)] == ["1000", "300"]
    assert [d.dm.id for d in store.pending_handoffs(BRAND, Feed.DMS, 10)] == ["300", "1000"]

    first = T + timedelta(seconds=5)
    store.mark_handed_off(BRAND, Feed.DMS, "300", first)
    store.mark_handed_off(BRAND, Feed.DMS, "300", first + timedelta(seconds=30))

    assert [d.dm.id for d in store.pending_handoffs(BRAND, Feed.DMS, 10)] == ["1000"]
    done = store.get_message(BRAND, Feed.DMS, "300")
    assert done.status is MentionStatus.HANDED_OFF and done.handed_off_at == first
    assert store.pending_handoffs(BRAND, Feed.MENTIONS, 10) == []  # the mentions' handoff index holds no DM


def test_the_dm_cursor_moves_forward_only_and_apart_from_the_mentions_cursor(store: Any) -> None:
    assert store.get_cursor(BRAND, Feed.DMS) is None
    assert store.advance_cursor(BRAND, Feed.DMS, Cursor("999", T))
    assert store.advance_cursor(BRAND, Feed.DMS, Cursor("1000", T + timedelta(seconds=1)))
    assert not store.advance_cursor(BRAND, Feed.DMS, Cursor("999", T))
    assert store.get_cursor(BRAND, Feed.MENTIONS) is None
    assert store.advance_cursor(BRAND, Feed.MENTIONS, Cursor("5", T))
    assert store.get_cursor(BRAND, Feed.DMS) == Cursor("1000", T + timedelta(seconds=1))


# ---------------------------------------------------------------------- cursor
def test_the_cursor_only_moves_forward_comparing_ids_as_numbers(store: Any) -> None:
    assert store.get_cursor(BRAND, Feed.MENTIONS) is None
    assert store.advance_cursor(BRAND, Feed.MENTIONS, Cursor("999", T))
    assert not store.advance_cursor(BRAND, Feed.MENTIONS, Cursor("998", T))
    assert not store.advance_cursor(BRAND, Feed.MENTIONS, Cursor("999", T))
    later = T + timedelta(seconds=1)
    assert store.advance_cursor(BRAND, Feed.MENTIONS, Cursor("1000", later))  # "1000" < "999" as text
    assert store.advance_cursor(BRAND, Feed.MENTIONS, Cursor("1790000000000000004", T + timedelta(seconds=2)))
    assert not store.advance_cursor(BRAND, Feed.MENTIONS, Cursor("99999999999", T))

    assert store.get_cursor(BRAND, Feed.MENTIONS) == Cursor("1790000000000000004", T + timedelta(seconds=2))
    assert store.get_cursor("2000", Feed.MENTIONS) is None


# ---------------------------------------------------------------------- repeats
def test_a_text_is_claimed_by_its_first_post_within_the_window(store: Any) -> None:
    hour = timedelta(hours=1)
    assert store.claim_text(BRAND, "55", "f1", "100", T, hour)
    assert store.claim_text(BRAND, "55", "f1", "100", T, hour)  # retried after a crash: still the first
    assert not store.claim_text(BRAND, "55", "f1", "101", T + timedelta(minutes=59), hour)
    assert store.claim_text(BRAND, "56", "f1", "102", T, hour)  # another author
    assert store.claim_text(BRAND, "55", "f2", "103", T, hour)  # another text
    assert store.claim_text("2000", "55", "f1", "104", T, hour)  # another brand
    assert store.claim_text(BRAND, "55", "f1", "105", T + timedelta(minutes=61), hour)  # window over
    assert not store.claim_text(BRAND, "55", "f1", "106", T + timedelta(minutes=62), hour)


# ---------------------------------------------------------------------- poll state and lease
def test_poll_state_round_trips_and_clears_what_is_gone(store: Any) -> None:
    assert store.get_poll_state(BRAND, Feed.MENTIONS) == PollState()
    busy = PollState(
        blocked_until=T + timedelta(minutes=15),
        next_poll_at=T + timedelta(seconds=15),
        interval_seconds=15.0,
        rate=RateLimit(180, 3, T + timedelta(minutes=15)),
        last_polled_at=T,
        last_success_at=T,
        consecutive_errors=2,
        last_error="TransientXError: 503",
    )
    store.save_poll_state(BRAND, Feed.MENTIONS, busy)
    assert store.get_poll_state(BRAND, Feed.MENTIONS) == busy

    calm = PollState(next_poll_at=T + timedelta(seconds=60), interval_seconds=60.0, last_success_at=T)
    store.save_poll_state(BRAND, Feed.MENTIONS, calm)
    assert store.get_poll_state(BRAND, Feed.MENTIONS) == calm


def test_each_feed_has_its_own_poll_state_and_the_dm_state_leaves_the_lease_alone(store: Any) -> None:
    until = T + timedelta(seconds=80)
    assert store.acquire_lease(BRAND, "inv-a", until, T)
    dms = PollState(next_poll_at=T + timedelta(seconds=30), interval_seconds=30.0, found=7)
    store.save_poll_state(BRAND, Feed.DMS, dms)

    assert store.get_poll_state(BRAND, Feed.DMS) == dms
    assert store.get_poll_state(BRAND, Feed.MENTIONS) == PollState()
    assert not store.acquire_lease(BRAND, "inv-b", until, T + timedelta(seconds=1))


def test_a_lease_keeps_a_second_invocation_out_until_it_expires_or_is_released(store: Any) -> None:
    until = T + timedelta(seconds=80)
    assert store.acquire_lease(BRAND, "inv-a", until, T)
    store.save_poll_state(BRAND, Feed.MENTIONS, PollState(interval_seconds=15.0))  # does not drop the lease
    assert not store.acquire_lease(BRAND, "inv-b", until, T + timedelta(seconds=30))
    assert store.acquire_lease(BRAND, "inv-a", until, T + timedelta(seconds=30))  # a retry of the same event
    store.release_lease(BRAND, "inv-b")  # not the holder: no effect
    assert not store.acquire_lease(BRAND, "inv-b", until, T + timedelta(seconds=31))
    assert store.acquire_lease(BRAND, "inv-c", until + timedelta(seconds=90), until + timedelta(seconds=2))
    store.release_lease(BRAND, "inv-c")
    assert store.acquire_lease(BRAND, "inv-d", until, T)
    assert store.get_poll_state(BRAND, Feed.MENTIONS).interval_seconds == 15.0


# ---------------------------------------------------------------------- gaps
def gap(to_id: str, **kwargs: Any) -> Gap:
    fields: dict[str, Any] = {
        "brand_id": BRAND,
        "from_id": "1000",
        "to_id": to_id,
        "from_time": T,
        "to_time": T + timedelta(minutes=int(to_id) % 1000),
        "reason": GapReason.REACH_LIMIT,
        "detected_at": T,
    }
    fields.update(kwargs)
    return Gap(**fields)


def test_a_gap_found_again_from_the_same_cursor_is_widened_never_narrowed(store: Any) -> None:
    store.record_gap(gap("1500"))
    store.record_gap(gap("1400"))  # a rerun that reached further back does not shrink it
    assert [g.to_id for g in store.open_gaps(BRAND)] == ["1500"]
    store.record_gap(gap("1600"))  # a rerun after a crash, with newer mentions on top
    (widened,) = store.open_gaps(BRAND)
    assert (widened.to_id, widened.to_time) == ("1600", T + timedelta(minutes=600))


def test_a_closed_gap_leaves_the_open_list_and_progress_is_kept(store: Any) -> None:
    store.record_gap(gap("1500"))
    store.record_gap(gap("3000", from_id="2000"))
    store.record_gap(gap("5000", from_id="4000"))
    progress = gap("1200", attempts=2, recovered=300, last_attempt_at=T + timedelta(seconds=9), stalled=1)
    store.save_gap(progress)
    closed = gap(
        "3000", from_id="2000", status=GapStatus.CLOSED, attempts=1, closed_at=T + timedelta(seconds=10)
    )
    store.save_gap(closed)
    lost = gap("5000", from_id="4000", status=GapStatus.LOST, attempts=1, closed_at=T, stalled=1)
    store.save_gap(lost)

    assert store.open_gaps(BRAND) == [progress]
    assert store.gaps(BRAND) == [progress, closed, lost]  # a lost gap is kept for a person
    assert store.open_gaps("2000") == []


def test_a_gap_widened_by_newer_mentions_is_open_and_due_again(store: Any) -> None:
    tried = gap("1500", status=GapStatus.LOST, attempts=3, stalled=3, last_attempt_at=T, closed_at=T)
    store.record_gap(tried)
    store.save_gap(tried)
    store.record_gap(gap("1600"))  # a rerun found more above it: that stretch was never tried
    (widened,) = store.open_gaps(BRAND)
    assert (widened.to_id, widened.attempts, widened.stalled) == ("1600", 3, 0)
    assert widened.last_attempt_at is None and widened.closed_at is None


# ---------------------------------------------------------------------- mentions read and not written
def test_mentions_a_run_could_not_write_are_kept_whole_in_chunks_and_replaced(store: Any) -> None:
    assert store.unwritten(BRAND) == []
    # Long posts in a script of two UTF-8 bytes a character: 50 KB each, more than one item holds.
    long = [mention(str(2000 + i), "é" * 25_000) for i in range(8)]
    store.keep_unwritten(BRAND, long)
    assert store.unwritten(BRAND) == long
    assert store.unwritten("2000") == []
    short = [mention("2020", "still down?"), mention("2021", "me too")]
    store.keep_unwritten(BRAND, short)  # a later run kept fewer: nothing of the earlier comes back
    assert store.unwritten(BRAND) == short
    store.keep_unwritten(BRAND, [])
    assert store.unwritten(BRAND) == []


# ---------------------------------------------------------------------- one write a round, and upgrades
def saved_round(store: Any) -> tuple[PollState, PollState]:
    """A round's save of both feeds' states and cursors (mentions up to ...009, DMs up to ...100)."""
    mentions = PollState(next_poll_at=T + timedelta(seconds=15), interval_seconds=15.0, last_success_at=T)
    dms = PollState(next_poll_at=T + timedelta(seconds=30), interval_seconds=30.0, found=2)
    store.save_poll_states(
        BRAND,
        {Feed.MENTIONS: mentions, Feed.DMS: dms},
        {Feed.MENTIONS: Cursor("1790000000000000009", T), Feed.DMS: Cursor("1790000000000000100", T)},
    )
    return mentions, dms


def test_a_rounds_states_and_cursors_are_one_write_and_a_cursor_never_moves_back(store: Any) -> None:
    mentions, dms = saved_round(store)
    assert store.get_poll_state(BRAND, Feed.MENTIONS) == mentions
    assert store.get_poll_state(BRAND, Feed.DMS) == dms
    assert store.get_cursor(BRAND, Feed.MENTIONS) == Cursor("1790000000000000009", T)
    assert store.get_cursor(BRAND, Feed.DMS) == Cursor("1790000000000000100", T)
    later = PollState(interval_seconds=60.0)
    store.save_poll_states(  # a run overtaken: its states are saved, its mentions cursor is behind
        BRAND,
        {Feed.MENTIONS: later},
        {Feed.MENTIONS: Cursor("1790000000000000008", T), Feed.DMS: Cursor("1790000000000000101", T)},
    )
    assert store.get_poll_state(BRAND, Feed.MENTIONS) == later
    assert store.get_cursor(BRAND, Feed.MENTIONS) == Cursor("1790000000000000009", T)
    assert store.get_cursor(BRAND, Feed.DMS) == Cursor("1790000000000000101", T)


@pytest.mark.parametrize("kind", DYNAMO_ENGINES)
def test_cursors_and_the_dm_state_kept_by_the_release_before_are_read_and_moved_on(
    kind: str, request: pytest.FixtureRequest, aws_env: None
) -> None:
    """The release before kept the cursors in BRAND#<id>/CURSOR and /DMCURSOR and the DM feed's poll
    state in /POLL#DMS; they are read until the POLL item has its own."""
    with open_engine(kind, request) as engine:
        store = DynamoIngestStore(engine.table_name, host=engine.host)
        put = engine.client.put_item
        pk = {"pk": {"S": f"BRAND#{BRAND}"}}
        at = {"S": T.strftime("%Y-%m-%dT%H:%M:%S.%f+0000")}
        for sk, since in (("CURSOR", "1790000000000000005"), ("DMCURSOR", "1790000000000000050")):
            put(
                TableName=engine.table_name,
                Item={**pk, "sk": {"S": sk}, "since_id": {"S": f"{int(since):020d}"}, "since_created_at": at},
            )
        put(
            TableName=engine.table_name,
            Item={**pk, "sk": {"S": "POLL#DMS"}, "interval_seconds": {"N": "40"}, "found": {"N": "3"}},
        )
        put(TableName=engine.table_name, Item={**pk, "sk": {"S": "POLL"}, "interval_seconds": {"N": "20"}})

        assert store.get_cursor(BRAND, Feed.MENTIONS) == Cursor("1790000000000000005", T)
        assert store.get_cursor(BRAND, Feed.DMS) == Cursor("1790000000000000050", T)
        assert store.get_poll_state(BRAND, Feed.DMS) == PollState(interval_seconds=40.0, found=3)
        assert store.get_poll_state(BRAND, Feed.MENTIONS) == PollState(interval_seconds=20.0)

        store.save_poll_states(
            BRAND,
            {Feed.DMS: PollState(interval_seconds=50.0)},
            {Feed.MENTIONS: Cursor("1790000000000000006", T)},
        )
        assert store.get_cursor(BRAND, Feed.MENTIONS) == Cursor("1790000000000000006", T)
        assert store.get_cursor(BRAND, Feed.DMS) == Cursor("1790000000000000050", T)  # still the old item's
        assert store.get_poll_state(BRAND, Feed.DMS) == PollState(interval_seconds=50.0)
        assert store.get_poll_state(BRAND, Feed.MENTIONS) == PollState(interval_seconds=20.0)


def test_the_lease_reads_back_the_states_and_cursors_and_its_release_saves_the_last_states(
    store: Any,
) -> None:
    """One write takes the lease and answers with what the run needs to know; one write gives it up with
    the states of the rounds that moved no cursor."""
    until = T + timedelta(seconds=80)
    mentions, dms = saved_round(store)
    leased = store.acquire_lease(BRAND, "inv-a", until, T)
    assert leased.states == {Feed.MENTIONS: mentions, Feed.DMS: dms}
    assert leased.cursors == {
        Feed.MENTIONS: Cursor("1790000000000000009", T),
        Feed.DMS: Cursor("1790000000000000100", T),
    }

    later = PollState(next_poll_at=T + timedelta(seconds=70), interval_seconds=10.0, last_polled_at=T)
    store.release_lease(BRAND, "inv-a", {Feed.MENTIONS: later})
    assert store.get_poll_state(BRAND, Feed.MENTIONS) == later
    assert store.get_poll_state(BRAND, Feed.DMS) == dms
    assert store.get_cursor(BRAND, Feed.MENTIONS) == Cursor("1790000000000000009", T)
    again = store.acquire_lease(BRAND, "inv-b", until, T + timedelta(seconds=1))  # given up
    assert again.states[Feed.MENTIONS] == later

    # One whose lease ran out and was taken: its states are saved all the same, the lease stays taken.
    store.release_lease(BRAND, "inv-a", {Feed.MENTIONS: PollState(interval_seconds=30.0)})
    assert store.get_poll_state(BRAND, Feed.MENTIONS) == PollState(interval_seconds=30.0)
    assert not store.acquire_lease(BRAND, "inv-c", until, T + timedelta(seconds=2))


@pytest.mark.parametrize("kind", DYNAMO_ENGINES)
def test_a_lease_on_a_poll_item_of_the_release_before_leaves_the_old_items_to_be_read(
    kind: str, request: pytest.FixtureRequest, aws_env: None
) -> None:
    """A POLL item written before the cursors and DM state moved into it: the lease answers with what the
    item holds and nothing it lacks, so the run reads the CURSOR, DMCURSOR and POLL#DMS items as before."""
    with open_engine(kind, request) as engine:
        store = DynamoIngestStore(engine.table_name, host=engine.host)
        pk = {"pk": {"S": f"BRAND#{BRAND}"}}
        at = {"S": T.strftime("%Y-%m-%dT%H:%M:%S.%f+0000")}
        engine.client.put_item(
            TableName=engine.table_name,
            Item={
                **pk,
                "sk": {"S": "CURSOR"},
                "since_id": {"S": f"{1790000000000000005:020d}"},
                "since_created_at": at,
            },
        )
        engine.client.put_item(
            TableName=engine.table_name,
            Item={**pk, "sk": {"S": "POLL#DMS"}, "interval_seconds": {"N": "40"}, "found": {"N": "3"}},
        )
        engine.client.put_item(
            TableName=engine.table_name, Item={**pk, "sk": {"S": "POLL"}, "interval_seconds": {"N": "20"}}
        )

        leased = store.acquire_lease(BRAND, "inv-a", T + timedelta(seconds=80), T)
        assert leased.states == {Feed.MENTIONS: PollState(interval_seconds=20.0)}
        assert leased.cursors == {}
        assert store.get_cursor(BRAND, Feed.MENTIONS) == Cursor("1790000000000000005", T)
        assert store.get_poll_state(BRAND, Feed.DMS) == PollState(interval_seconds=40.0, found=3)
        store.release_lease(BRAND, "inv-a", {Feed.MENTIONS: PollState(interval_seconds=10.0)})
        assert store.get_cursor(BRAND, Feed.MENTIONS) == Cursor("1790000000000000005", T)
        assert store.get_poll_state(BRAND, Feed.MENTIONS) == PollState(interval_seconds=10.0)
