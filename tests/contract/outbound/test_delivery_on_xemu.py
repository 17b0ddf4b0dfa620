"""Delivery against the X API emulator over HTTP: the real tweepy publisher, routed by X_API_BASE_URL, with
X's reply rule, duplicate refusals, closed DMs, rate limits and injected faults. The outbox is the unit
tests' fake (its DynamoDB twin is held to the same contract in tests/unit/outbound/test_outbox_store.py)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from carebird.adapters.x.client import XCredentials
from carebird.adapters.x.publisher import TweepyPublisher
from carebird.brands import Brand
from carebird.moments import readable
from carebird.outbound.delivery import Deliverer, DeliveryTuning
from carebird.outbound.errors import DmNotAllowed
from carebird.outbound.model import (
    Channel,
    DeliveryResult,
    DeliveryStatus,
    OutgoingReply,
    PartOutcomeStatus,
    PartStatus,
)
from carebird_ops.xemu.client import EmulatorClient, EmulatorPost
from carebird_ops.xemu.server import EmulatorHandle, start
from tests.support.ingest_fakes import Crash, CrashPlan, FakeMetrics
from tests.support.outbound_fakes import FakeBrands, FakeOutbox

HANDLE = "AcmeHelp"
# 700 characters of plain words: three posts of at most 280, numbering included.
SEVEN_HUNDRED = " ".join(f"Step {i:02d}: open the orders page and check the delivery." for i in range(13))[
    :700
]


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorHandle]:
    with start() as handle:
        yield handle


class Bench:
    """A brand, a customer who mentioned it, and a Deliverer wired as the reply function wires it."""

    def __init__(self, emulator: EmulatorHandle) -> None:
        emulator.state.reset()
        self.emu: EmulatorClient = emulator.client()
        user = self.emu.create_user(HANDLE, followers=12000)  # not verified: X's 280 limit applies
        self.alice = self.emu.create_user("alice")
        self.brand = Brand(handle=HANDLE, user_id=user["id"], credentials_secret=f"carebird/test/x/{HANDLE}")
        creds = XCredentials.model_validate(self.emu.credentials(HANDLE))
        self.publisher = TweepyPublisher(lambda _: creds, emulator.url, timeout_seconds=5)
        self.crash = CrashPlan()
        self.outbox = FakeOutbox(self.crash)
        self.metrics = FakeMetrics()
        self.offset = timedelta()  # how far this function's clock is ahead of real time
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC) + self.offset
        self.sleeps: list[float] = []
        self.on_sleep: Callable[[float], object] = lambda _: None
        self.mention = self.emu.post("alice", f"@{HANDLE} my order 1234 never arrived, where is it?")

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.on_sleep(seconds)

    def deliverer(self, publisher: TweepyPublisher | None = None) -> Deliverer:
        return Deliverer(
            self.outbox,
            publisher or self.publisher,
            FakeBrands(self.brand),
            self.metrics,
            clock=self.clock,
            sleep=self.sleep,
            tuning=DeliveryTuning(),
        )

    def reply(self, text: str = SEVEN_HUNDRED, **changes: object) -> OutgoingReply:
        fields: dict[str, object] = {
            "case_id": "case-1",
            "reply_id": "reply-1",
            "brand_id": self.brand.user_id,
            "channel": Channel.PUBLIC,
            "customer_id": self.alice["id"],
            "customer_handle": "alice",
            "in_reply_to_tweet_id": self.mention["id"],
            "text": text,
        }
        return OutgoingReply.model_validate({**fields, **changes})

    def deliver(self, reply: OutgoingReply | None = None) -> DeliveryResult:
        return self.deliverer().deliver(reply or self.reply())

    def brand_posts(self) -> list[EmulatorPost]:
        return sorted(self.emu.posts(author=HANDLE), key=lambda p: int(p["id"]))  # oldest first

    def assert_one_thread_under_the_mention(self, parts: int) -> list[EmulatorPost]:
        posts = self.brand_posts()
        assert len(posts) == parts, [p["text"] for p in posts]
        parent = self.mention["id"]
        for i, post in enumerate(posts, 1):
            looked_up = self.emu.get_post(post["id"])
            assert looked_up["in_reply_to_tweet_id"] == parent
            assert looked_up["conversation_id"] == self.mention["id"]
            assert post["text"].endswith(f" {i}/{parts}")
            parent = post["id"]
        return posts


@pytest.fixture
def bench(emulator: EmulatorHandle) -> Bench:
    return Bench(emulator)


def test_a_700_character_reply_is_a_3_part_thread_each_part_under_the_previous(bench: Bench) -> None:
    result = bench.deliver()

    assert result.status is DeliveryStatus.DELIVERED
    posts = bench.assert_one_thread_under_the_mention(3)
    assert result.x_ids == [p["id"] for p in posts]
    assert " ".join(p["text"].rsplit(" ", 1)[0] for p in posts).split() == SEVEN_HUNDRED.split()
    assert all(p["source"] == "api:carebird" for p in posts)


def before(effect: str, part: int = 1) -> int:
    """The CrashPlan tick just before the fake outbox's `effect` for `part`: it records the reply, then
    claims and marks sent each part in turn, ticking before and after each write."""
    order = ["open_reply:1"] + [f"{e}:{p}" for p in range(1, 4) for e in ("claim", "mark_sent")]
    return 2 * order.index(f"{effect}:{part}") + 1


def test_a_retry_after_a_crash_between_parts_posts_only_the_missing_parts(bench: Bench) -> None:
    bench.crash.rearm(at=before("claim", 2))
    with pytest.raises(Crash):
        bench.deliver()
    assert len(bench.brand_posts()) == 1
    bench.crash.rearm(None)  # the next invocation runs to the end

    result = bench.deliver()

    assert result.status is DeliveryStatus.DELIVERED
    bench.assert_one_thread_under_the_mention(3)


def test_a_crash_after_x_accepted_but_before_sent_was_recorded_does_not_post_twice(bench: Bench) -> None:
    bench.crash.rearm(at=before("mark_sent", 2))  # part 2 is on X, its record still says pending
    with pytest.raises(Crash):
        bench.deliver()
    bench.crash.rearm(None)
    assert len(bench.brand_posts()) == 2
    assert bench.outbox.records[("case-1", "reply-1", 2)].status is PartStatus.PENDING
    bench.offset = timedelta(seconds=DeliveryTuning().lease_seconds + 1)  # the dead delivery's lease ends
    bench.emu.reset_stats()

    result = bench.deliver()

    assert result.status is DeliveryStatus.DELIVERED
    bench.assert_one_thread_under_the_mention(3)
    by_endpoint = bench.emu.stats()["by_endpoint"]
    assert by_endpoint["getUsersPosts"]["requests"] == 1  # part 2 found on the brand's timeline
    assert by_endpoint["createPosts"]["requests"] == 1  # and only part 3 posted


def test_an_answer_lost_in_a_timeout_after_x_posted_is_found_not_posted_again(
    bench: Bench, emulator: EmulatorHandle
) -> None:
    impatient = TweepyPublisher(
        lambda _: XCredentials.model_validate(bench.emu.credentials(HANDLE)),
        emulator.url,
        timeout_seconds=0.3,
    )
    bench.emu.set_faults([{"match": "POST /2/tweets", "latency_ms": 800, "latency_p": 1.0}])

    def x_finishes_meanwhile(_: float) -> None:
        bench.emu.clear_faults()
        time.sleep(1.5)  # the emulator completes the slow request it was holding

    bench.on_sleep = x_finishes_meanwhile
    result = bench.deliverer(impatient).deliver(bench.reply("@alice found it: it ships today."))

    assert result.status is DeliveryStatus.DELIVERED
    (post,) = bench.brand_posts()
    assert result.x_ids == [post["id"]]
    assert bench.emu.stats()["by_endpoint"]["createPosts"]["requests"] == 1


def test_replying_to_a_post_that_did_not_mention_the_brand_is_refused_and_recorded(bench: Bench) -> None:
    stranger = bench.emu.post("bob", "this airline lost my bag again")
    result = bench.deliver(bench.reply(in_reply_to_tweet_id=stranger["id"], customer_handle="bob"))

    assert result.status is DeliveryStatus.FAILED
    assert result.error_code == "reply_not_allowed"
    assert result.error is not None
    assert "X does not let @AcmeHelp reply to this post" in result.error and "@bob did not" in result.error
    record = bench.outbox.records[("case-1", "reply-1", 1)]
    assert (record.status, record.error_code) == (PartStatus.FAILED, "reply_not_allowed")
    assert bench.brand_posts() == []
    assert bench.metrics.total("ReplyFailures") == 1


def test_injected_503s_are_retried_and_the_thread_still_lands_once(bench: Bench) -> None:
    # Seed 12 fails the first two posts with 503 and lets the rest through.
    bench.emu.set_faults([{"match": "POST /2/tweets", "error_p": 0.5, "error_statuses": [503]}], seed=12)

    result = bench.deliver()

    assert result.status is DeliveryStatus.DELIVERED
    bench.assert_one_thread_under_the_mention(3)
    assert bench.emu.stats()["faults"]["error"] == 2
    assert bench.sleeps == [0.5, 1.0]


def test_a_dm_is_sent_once_and_a_closed_inbox_is_dm_not_allowed(bench: Bench) -> None:
    dm = bench.reply("Your refund of $42 is on its way.", channel=Channel.DM, in_reply_to_tweet_id=None)
    assert bench.deliver(dm).status is DeliveryStatus.DELIVERED
    assert [d["text"] for d in bench.emu.dms(user="alice")] == ["Your refund of $42 is on its way."]

    shy = bench.emu.create_user("shy", accepts_dms=False)
    refused = bench.deliver(
        dm.model_copy(update={"reply_id": "reply-2", "customer_id": shy["id"], "customer_handle": "shy"})
    )
    assert refused.status is DeliveryStatus.FAILED and refused.error_code == "dm_not_allowed"
    assert "@shy does not accept direct messages from @AcmeHelp" in (refused.error or "")
    assert bench.emu.dms(user="shy") == []


def test_a_dm_whose_answer_was_lost_is_found_in_the_conversation(bench: Bench) -> None:
    dm = bench.reply("Your refund is on its way.", channel=Channel.DM, in_reply_to_tweet_id=None)
    bench.crash.rearm(at=before("mark_sent", 1))  # X sent the DM; the function dies before recording it
    with pytest.raises(Crash):
        bench.deliver(dm)
    bench.crash.rearm(None)
    bench.offset = timedelta(seconds=DeliveryTuning().lease_seconds + 1)

    result = bench.deliver(dm)

    assert result.status is DeliveryStatus.DELIVERED
    assert [d["text"] for d in bench.emu.dms(user="alice")] == ["Your refund is on its way."]
    assert result.x_ids == [bench.emu.dms(user="alice")[0]["id"]]


def test_a_429_fails_the_part_with_the_reset_time_and_a_later_retry_finishes(bench: Bench) -> None:
    bench.emu.set_clock(datetime.now(UTC), freeze=True)
    bench.emu.set_rate_limit("createPosts", 1)  # one post per 15 minutes

    result = bench.deliver()

    assert result.status is DeliveryStatus.FAILED and result.error_code == "rate_limited"
    assert [p.status for p in result.parts] == [
        PartOutcomeStatus.SENT,
        PartOutcomeStatus.FAILED,
        PartOutcomeStatus.NOT_SENT,
    ]
    reset = result.retry_at
    assert reset is not None and reset.timestamp() == pytest.approx(bench.emu.clock() + 900, abs=1)
    assert readable(reset) in (result.error or "")
    assert bench.sleeps == []  # 15 minutes is too long to wait inside a Lambda

    bench.emu.advance_clock(900)  # fifteen minutes later, for X and for this function
    bench.offset = timedelta(seconds=901)
    bench.emu.set_rate_limit("createPosts", 100)
    assert bench.deliver().status is DeliveryStatus.DELIVERED
    bench.assert_one_thread_under_the_mention(3)


def test_a_429_that_resets_within_seconds_is_waited_out(bench: Bench) -> None:
    bench.emu.set_clock(datetime.now(UTC), freeze=True)
    bench.emu.set_rate_limit("createPosts", 2, window_seconds=3)
    # This function and X share the emulator's clock; waiting moves it on.
    bench.clock = lambda: datetime.fromtimestamp(bench.emu.clock(), UTC)
    bench.on_sleep = bench.emu.advance_clock

    result = bench.deliver()

    assert result.status is DeliveryStatus.DELIVERED
    assert len(bench.sleeps) == 1 and 1 < bench.sleeps[0] <= 4
    bench.assert_one_thread_under_the_mention(3)


def test_the_publisher_likes_and_follows_as_the_brand_then_dms_a_customer_with_closed_dms(
    bench: Bench,
) -> None:
    bench.publisher.like(bench.brand, bench.mention["id"])
    assert bench.emu.get_post(bench.mention["id"])["public_metrics"]["like_count"] == 1
    shy = bench.emu.create_user("shy", accepts_dms=False)
    with pytest.raises(DmNotAllowed):
        bench.publisher.send_dm(bench.brand, shy["id"], "Hi, send us the details here")
    # "Follow me so I can DM": the customer follows the brand, the brand follows back, then the DM goes.
    bench.emu.follow("shy", HANDLE)
    assert bench.publisher.follow(bench.brand, shy["id"]) is True
    assert bench.emu.following(HANDLE) == ["shy"]
    assert bench.publisher.send_dm(bench.brand, shy["id"], "Hi, send us the details here")
