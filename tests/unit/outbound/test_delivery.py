"""Delivery on fakes: exactly once, whole, in order, through crashes, lost answers and X's refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carebird.moments import readable
from carebird.outbound.delivery import Deliverer, DeliveryTuning
from carebird.outbound.errors import ReplyConflict, UnknownBrand
from carebird.outbound.model import (
    Channel,
    DeliveryStatus,
    OutgoingReply,
    PartOutcomeStatus,
    PartStatus,
)
from carebird.outbound.text import EmptyReply, ReplyTooLong
from tests.support.ingest_fakes import Crash, CrashPlan, FakeClock, FakeMetrics
from tests.support.outbound_fakes import BRAND, CUSTOMER_ID, FakeBrands, FakeOutbox, FakeX

LONG = " ".join(f"Step {i}: check the order page, then tell us what you see." for i in range(12))  # ~700
TUNING = DeliveryTuning()


class World:
    def __init__(self) -> None:
        self.crash = CrashPlan()
        self.clock = FakeClock()
        self.x = FakeX(self.clock, self.crash)
        self.outbox = FakeOutbox(self.crash)
        self.metrics = FakeMetrics()
        self.attempt = 0
        self.customer_post = self.x.customer_post()

    def deliverer(self, tuning: DeliveryTuning = TUNING) -> Deliverer:
        return Deliverer(
            self.outbox,
            self.x,
            FakeBrands(BRAND),
            self.metrics,
            clock=self.clock.now,
            sleep=self.clock.sleep,
            tuning=tuning,
            new_attempt_id=self._attempt_id,
        )

    def _attempt_id(self) -> str:
        self.attempt += 1
        return f"attempt-{self.attempt}"

    def reply(self, text: str = LONG, **changes: object) -> OutgoingReply:
        fields: dict[str, object] = {
            "case_id": "case-1",
            "reply_id": "reply-1",
            "brand_id": BRAND.user_id,
            "channel": Channel.PUBLIC,
            "customer_id": CUSTOMER_ID,
            "customer_handle": "alice",
            "in_reply_to_tweet_id": self.customer_post,
            "text": text,
        }
        return OutgoingReply.model_validate({**fields, **changes})

    def after_the_lease(self) -> None:
        self.clock.advance(TUNING.lease_seconds + 1)


@pytest.fixture
def w() -> World:
    return World()


def test_a_long_reply_becomes_a_thread_under_the_customers_post(w: World) -> None:
    result = w.deliverer().deliver(w.reply())

    assert result.status is DeliveryStatus.DELIVERED
    thread = w.x.thread_under(w.customer_post)
    assert [p.id for p in thread] == result.x_ids
    assert len(thread) == 3
    assert [p.text[-4:] for p in thread] == [" 1/3", " 2/3", " 3/3"]
    assert w.metrics.values == {"ReplyParts": [1, 1, 1], "RepliesSent": [1]}
    assert all(r.status is PartStatus.SENT for r in w.outbox.records.values())


def test_a_short_reply_is_one_post_and_a_repeat_posts_nothing(w: World) -> None:
    first = w.deliverer().deliver(w.reply("@alice refunded, sorry for the wait!"))
    again = w.deliverer().deliver(w.reply("@alice refunded, sorry for the wait!"))

    assert [p.text for p in w.x.brand_posts()] == ["@alice refunded, sorry for the wait!"]
    assert again.x_ids == first.x_ids and again.status is DeliveryStatus.DELIVERED
    assert w.x.calls["post"] == 1 and w.metrics.total("RepliesSent") == 1


def crash_point(point: str, occurrence: int = 1) -> int:
    """The number of the side-effect point at which a plain delivery of LONG reaches `point`."""
    probe = World()
    probe.deliverer().deliver(probe.reply())
    return [i for i, p in enumerate(probe.crash.points, 1) if p == point][occurrence - 1]


def test_a_retry_after_a_crash_between_parts_posts_only_the_missing_ones(w: World) -> None:
    w.crash.rearm(at=crash_point("before:claim", 2))  # dies just before claiming part 2
    with pytest.raises(Crash):
        w.deliverer().deliver(w.reply())
    assert len(w.x.brand_posts()) == 1
    w.crash.rearm(None)

    result = w.deliverer().deliver(w.reply())

    assert result.status is DeliveryStatus.DELIVERED
    assert w.x.calls["post"] == 3 and len(w.x.thread_under(w.customer_post)) == 3


def test_a_crash_after_x_accepted_but_before_sent_was_recorded_posts_nothing_twice(w: World) -> None:
    w.crash.rearm(at=crash_point("after:post"))
    with pytest.raises(Crash):
        w.deliverer().deliver(w.reply())
    (record,) = w.outbox.records.values()
    assert record.status is PartStatus.PENDING and len(w.x.brand_posts()) == 1
    w.crash.rearm(None)

    too_soon = w.deliverer().deliver(w.reply())
    assert too_soon.status is DeliveryStatus.IN_PROGRESS  # the dead delivery's lease still holds part 1
    assert too_soon.parts[0].error_code == "in_progress" and too_soon.retry_at is not None
    assert w.x.calls["post"] == 1

    w.after_the_lease()
    result = w.deliverer().deliver(w.reply())

    assert result.status is DeliveryStatus.DELIVERED
    assert w.x.calls["post"] == 3  # part 1 once, then parts 2 and 3
    assert w.x.calls["lookup"] == 1
    assert len(w.x.thread_under(w.customer_post)) == 3


def test_a_lagging_timeline_is_caught_by_xs_duplicate_refusal(w: World) -> None:
    w.x.script = ["503-after"]  # X posts part 1 but the answer is lost
    w.x.lookup_script = ["lag"]  # and the timeline does not show it at first
    result = w.deliverer().deliver(w.reply())

    assert result.status is DeliveryStatus.DELIVERED
    assert len(w.x.thread_under(w.customer_post)) == 3
    assert w.x.calls["post"] == 4  # part 1 twice (the second refused as a duplicate), 2 and 3 once


def test_a_duplicate_after_a_lost_answer_waits_for_the_timeline_rather_than_failing(w: World) -> None:
    w.x.script = ["503-after"]
    w.x.lookup_script = ["lag", "lag"]
    first = w.deliverer().deliver(w.reply())
    assert first.status is DeliveryStatus.IN_PROGRESS and first.error_code == "unconfirmed"

    assert w.deliverer().deliver(w.reply()).status is DeliveryStatus.DELIVERED
    assert len(w.x.thread_under(w.customer_post)) == 3 == len(w.x.brand_posts())


def test_a_real_duplicate_fails_with_advice_to_reword(w: World) -> None:
    w.deliverer().deliver(w.reply("@alice all sorted"))
    other = w.x.customer_post("@AcmeHelp me too")
    result = w.deliverer().deliver(
        w.reply("@alice all sorted", reply_id="reply-2", in_reply_to_tweet_id=other)
    )
    assert result.error_code == "duplicate_content" and "Reword" in (result.error or "")


def test_a_lost_answer_within_one_delivery_is_looked_up_not_posted_again(w: World) -> None:
    w.x.script = ["503-after"]
    result = w.deliverer().deliver(w.reply("@alice all sorted"))

    assert result.status is DeliveryStatus.DELIVERED
    assert [p.text for p in w.x.brand_posts()] == ["@alice all sorted"]
    assert w.x.calls["post"] == 1 and w.x.calls["lookup"] == 1


def test_transient_failures_are_retried_with_backoff(w: World) -> None:
    w.x.script = ["503", "connect"]
    result = w.deliverer().deliver(w.reply("@alice all sorted"))

    assert result.status is DeliveryStatus.DELIVERED
    assert w.x.calls["post"] == 3 and w.clock.sleeps == [0.5, 1.0]
    assert w.x.calls["lookup"] == 1  # after the 503 X might have posted it; after "connect" not


def test_x_unavailable_three_times_fails_the_part_and_the_next_delivery_looks_first(w: World) -> None:
    w.x.script = ["503", "503", "503"]
    result = w.deliverer().deliver(w.reply())

    assert result.status is DeliveryStatus.FAILED and result.error_code == "x_unavailable"
    assert "may have posted it" in (result.error or "")
    assert [p.status for p in result.parts] == [
        PartOutcomeStatus.FAILED,
        PartOutcomeStatus.NOT_SENT,
        PartOutcomeStatus.NOT_SENT,
    ]
    assert w.x.brand_posts() == [] and w.metrics.total("ReplyFailures") == 1
    lookups = w.x.calls["lookup"]

    result = w.deliverer().deliver(w.reply())
    assert result.status is DeliveryStatus.DELIVERED
    assert w.x.calls["lookup"] == lookups + 1


def test_replying_to_a_post_that_did_not_mention_the_brand_is_refused_clearly(w: World) -> None:
    stranger = w.x.customer_post("this airline lost my bag", mentions_brand=False)
    result = w.deliverer().deliver(w.reply(in_reply_to_tweet_id=stranger))

    assert result.status is DeliveryStatus.FAILED
    assert result.error_code == "reply_not_allowed"
    assert result.error is not None
    assert (
        "@AcmeHelp" in result.error and "@alice did not" in result.error and "direct message" in result.error
    )
    record = w.outbox.records[("case-1", "reply-1", 1)]
    assert record.status is PartStatus.FAILED and record.error_code == "reply_not_allowed"
    assert w.x.brand_posts() == [] and w.x.calls["post"] == 1  # refused at once, not retried
    assert [p.status for p in result.parts][1:] == [PartOutcomeStatus.NOT_SENT] * 2


def test_a_dm_is_one_message_and_a_closed_inbox_is_refused(w: World) -> None:
    dm = w.reply("Your refund is on its way.", channel=Channel.DM, in_reply_to_tweet_id=None)
    assert w.deliverer().deliver(dm).status is DeliveryStatus.DELIVERED
    assert [d.text for d in w.x.dms] == ["Your refund is on its way."]

    w.x.closed_dms.add(CUSTOMER_ID)
    refused = w.deliverer().deliver(dm.model_copy(update={"reply_id": "reply-2"}))
    assert refused.error_code == "dm_not_allowed" and "does not accept direct messages" in (
        refused.error or ""
    )


def test_a_rate_limit_resetting_soon_is_waited_out(w: World) -> None:
    w.x.script = ["429:3"]
    result = w.deliverer().deliver(w.reply("@alice all sorted"))
    assert result.status is DeliveryStatus.DELIVERED and w.clock.sleeps == [4.0]  # a second's margin


def test_a_rate_limit_resetting_later_fails_the_part_with_its_reset_time(w: World) -> None:
    w.x.script = ["429:600"]
    result = w.deliverer().deliver(w.reply())

    reset = w.clock.now() + timedelta(seconds=600)
    assert result.status is DeliveryStatus.FAILED and result.error_code == "rate_limited"
    assert result.retry_at == reset and readable(reset) in (result.error or "")
    assert w.clock.sleeps == []
    w.clock.advance(300)
    early = w.deliverer().deliver(w.reply())
    assert early.error_code == "rate_limited" and early.retry_at == reset
    assert w.x.calls["post"] == 1  # X is not asked again before the reset it gave
    w.clock.advance(301)
    assert w.deliverer().deliver(w.reply()).status is DeliveryStatus.DELIVERED


def test_when_x_cannot_be_asked_the_part_stays_pending_and_nothing_is_posted(w: World) -> None:
    w.crash.rearm(at=crash_point("after:post"))
    with pytest.raises(Crash):
        w.deliverer().deliver(w.reply())
    w.crash.rearm(None)
    w.after_the_lease()
    w.x.lookup_script = ["429"]

    result = w.deliverer().deliver(w.reply())

    assert result.status is DeliveryStatus.IN_PROGRESS and result.error_code == "unconfirmed"
    assert "will not post twice" in (result.error or "")
    assert len(w.x.brand_posts()) == 1
    assert w.deliverer().deliver(w.reply()).status is DeliveryStatus.DELIVERED  # lease released: no wait
    assert len(w.x.thread_under(w.customer_post)) == 3


def test_a_delivery_never_starts_a_call_its_lease_would_not_outlast(w: World) -> None:
    tight = DeliveryTuning(lease_seconds=60, call_budget_seconds=25, backoff_seconds=20)
    w.x.script = ["503-after"]
    result = w.deliverer(tight).deliver(w.reply("@alice all sorted"))

    assert result.status is DeliveryStatus.IN_PROGRESS and result.error_code == "unconfirmed"
    assert w.x.calls["post"] == 1 and w.x.calls["lookup"] == 0
    assert w.deliverer().deliver(w.reply("@alice all sorted")).status is DeliveryStatus.DELIVERED
    assert len(w.x.brand_posts()) == 1


def test_the_same_reply_id_with_other_text_is_a_conflict(w: World) -> None:
    w.deliverer().deliver(w.reply("@alice all sorted"))
    with pytest.raises(ReplyConflict, match="new reply needs a new id"):
        w.deliverer().deliver(w.reply("@alice all sorted!"))


def test_nothing_is_recorded_for_a_reply_that_cannot_be_sent(w: World) -> None:
    with pytest.raises(EmptyReply):
        w.deliverer().deliver(w.reply("   "))
    with pytest.raises(ReplyTooLong):
        w.deliverer().deliver(w.reply("x " * 4000))
    with pytest.raises(ReplyTooLong):
        w.deliverer().deliver(w.reply("x" * 10_001, channel=Channel.DM, in_reply_to_tweet_id=None))
    with pytest.raises(UnknownBrand):
        w.deliverer().deliver(w.reply(brand_id="999"))
    assert w.outbox.replies_by_key == {} and w.x.calls == {}


def test_a_retry_resumes_the_plan_it_recorded(w: World) -> None:
    w.x.script = ["ok", "429:600"]
    w.deliverer().deliver(w.reply())
    stored = w.outbox.replies_by_key[("case-1", "reply-1")]
    w.outbox.replies_by_key[("case-1", "reply-1")] = type(stored)(
        **{**stored.__dict__, "parts": (stored.parts[0], "part two as first planned 2/2")}
    )
    w.clock.advance(601)
    w.deliverer().deliver(w.reply())
    assert [p.text for p in w.x.thread_under(w.customer_post)][1] == "part two as first planned 2/2"


# Exactly once, whatever happens --------------------------------------------------------------------

FAILURES = st.lists(st.sampled_from(["ok", "ok", "503", "503-after", "connect", "429:2"]), max_size=6)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    crash_at=st.integers(min_value=1, max_value=40),
    failures=FAILURES,
    lags=st.lists(st.sampled_from(["ok", "lag"]), max_size=3),
)
def test_whatever_crashes_and_failures_happen_each_part_is_posted_once_in_order(
    crash_at: int, failures: list[str], lags: list[str]
) -> None:
    w = World()
    w.x.script = list(failures)
    w.x.lookup_script = list(lags)
    w.crash.rearm(at=crash_at)
    for _ in range(8):  # Lambda and agent retries until it is through
        try:
            result = w.deliverer().deliver(w.reply())
        except Crash:
            w.crash.rearm(None)
            w.after_the_lease()
            continue
        if result.status is DeliveryStatus.DELIVERED:
            break
        w.clock.advance(TUNING.lease_seconds + 1)
    thread = w.x.thread_under(w.customer_post)  # asserts no post has two replies from the brand
    assert len(w.x.brand_posts()) == len(thread) <= 3
    assert [p.text[-4:] for p in thread] == [" 1/3", " 2/3", " 3/3"][: len(thread)]
    assert result.status is DeliveryStatus.DELIVERED
    assert result.x_ids == [p.id for p in thread]
