"""Ingestion against the X API emulator over HTTP: the real tweepy adapter, routed by X_API_BASE_URL,
with X's paging, caps, rate limits and billing (storage and triage are the unit tests' fakes)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from carebird.brands import Brand
from carebird.ingest.model import GapStatus, MentionStatus, SkipReason
from carebird.ingest.poll import Poller, PollSummary, PollTuning
from carebird.x_mentions import TweepyMentionsReader, XCredentials
from carebird_ops.xemu.client import EmulatorClient
from carebird_ops.xemu.server import EmulatorHandle, start
from tests.support.ingest_fakes import FakeClock, FakeHandoff, FakeMetrics, FakeStore

HANDLE = "AcmeHelp"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorHandle]:
    with start() as handle:
        yield handle


class Ingestion:
    """A poller whose clock and the emulator's clock move together."""

    def __init__(self, emulator: EmulatorHandle, tuning: PollTuning) -> None:
        emulator.state.reset()
        self.emu: EmulatorClient = emulator.client()
        self.emu.set_clock(T0, freeze=True)
        user = self.emu.create_user(HANDLE, followers=12000, verified=True)
        secret = f"carebird/test/x/{HANDLE}"
        self.brand = Brand(handle=HANDLE, user_id=user["id"], credentials_secret=secret)
        creds = XCredentials.model_validate(self.emu.credentials(HANDLE))
        self.clock = FakeClock(T0)
        self.store = FakeStore(self.clock)
        self.store.put_brand(self.brand)
        self.handoff = FakeHandoff()
        reader = TweepyMentionsReader(lambda _: creds, emulator.url, timeout_seconds=5)
        self.poller = Poller(self.store, reader, self.handoff, FakeMetrics(), self.clock, tuning)
        self.runs = 0

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.emu.advance_clock(seconds)

    def run(self) -> PollSummary:
        self.runs += 1
        now = self.clock.now()
        return self.poller.run(f"inv-{self.runs}", now, now + timedelta(seconds=60))

    def posts_read(self) -> int:
        return int(self.emu.stats()["totals"]["posts_read"])


def test_every_mention_is_read_once_paged_through_tweepy_and_stored_once(emulator: EmulatorHandle) -> None:
    ing = Ingestion(emulator, PollTuning(page_size=5))
    own = ing.emu.post(HANDLE, "Spring sale starts today!")
    ing.emu.post("early", f"@{HANDLE} hi")
    ing.run()  # the brand's cursor starts here
    ing.advance(60)
    ids = ing.emu.bulk_post(
        [{"author": f"customer{i}", "text": f"@{HANDLE} order {i} is late"} for i in range(23)]
    )
    long = ing.emu.post("wordy", f"@{HANDLE} " + "the box arrived crushed and the manual is missing. " * 8)
    retweet = ing.emu.retweet("fan", own["id"])
    ing.advance(60)
    read_before = ing.posts_read()

    summary = ing.run()

    assert (summary.ingested, summary.skipped, summary.errors, summary.gaps) == (24, 1, 0, 0)
    # What the poller counts is what X bills: one read per mention, the retweet's original not included.
    assert ing.posts_read() - read_before == summary.reads == 25
    assert stored_retweet_refs(ing, retweet["id"]) == [("retweeted", own["id"])]
    stored = {tid: m for (_, tid), m in ing.store.mentions.items()}
    assert set(ids) <= set(stored)
    assert stored[long["id"]].mention.text.endswith("the manual is missing. ")  # not truncated at 280
    assert stored[retweet["id"]].skip_reason is SkipReason.RETWEET
    assert len(ing.handoff.executions) == 1 + 24  # "early" from the first run, then this run's work

    ing.advance(60)
    again = ing.run()
    assert (again.ingested, again.reads) == (0, 0)


def stored_retweet_refs(ing: Ingestion, tweet_id: str) -> list[tuple[str, str]]:
    stored = next(m for (_, tid), m in ing.store.mentions.items() if tid == tweet_id)
    return [(r.type, r.id) for r in stored.mention.referenced]


def test_a_burst_beyond_the_mentions_cap_leaves_an_open_gap(emulator: EmulatorHandle) -> None:
    ing = Ingestion(emulator, PollTuning(page_size=10, reach_limit=30, gap_max_attempts=2))
    ing.emu.update_settings(mentions_cap=30)
    ing.emu.post("early", f"@{HANDLE} hello")
    ing.run()
    ing.advance(60)
    ing.emu.bulk_post([{"author": f"c{i}", "text": f"@{HANDLE} outage {i}"} for i in range(50)])
    ing.advance(60)

    summary = ing.run()

    assert summary.ingested == 30 and summary.gaps == 1
    (gap,) = ing.store.gaps(ing.brand.id)
    # The emulator's cap, like X's, applies to time windows too: the 20 oldest stay out of reach.
    assert gap.status is GapStatus.OPEN and gap.recovered == 0


def test_a_rate_limit_midway_keeps_what_was_read_and_waits_for_the_reset(emulator: EmulatorHandle) -> None:
    ing = Ingestion(emulator, PollTuning(page_size=5, gap_retry_seconds=0))
    ing.run()
    ing.advance(60)
    ing.emu.set_rate_limit("getUsersMentions", 3, window_seconds=900)
    ing.emu.bulk_post([{"author": f"c{i}", "text": f"@{HANDLE} question {i}"} for i in range(20)])
    ing.advance(60)
    requests_before = int(ing.emu.stats()["totals"]["requests"])

    first = ing.run()
    assert first.rate_limited == 1 and first.gaps == 1
    state = ing.store.get_poll_state(ing.brand.id)
    assert state.blocked_until is not None
    for _ in range(5):  # ticks before the reset: not one request to X
        ing.advance(60)
        ing.run()
    assert int(ing.emu.stats()["totals"]["requests"]) - requests_before <= 3 + 1

    ing.advance(900)
    ing.run()
    ing.advance(60)
    ing.run()
    work = [m for m in ing.store.mentions.values() if m.status is not MentionStatus.SKIPPED]
    assert len(work) == 20 and len(ing.handoff.executions) == 20
    assert all(g.status is GapStatus.CLOSED for g in ing.store.gaps(ing.brand.id))
