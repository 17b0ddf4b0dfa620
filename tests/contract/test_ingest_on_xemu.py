"""Ingestion against the X API emulator over HTTP: the real tweepy adapters, routed by X_API_BASE_URL,
with X's paging, caps, rate limits and billing (storage and triage are the unit tests' fakes)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from carebird.adapters.x.dms import TweepyDmReader
from carebird.adapters.x.mentions import TweepyMentionsReader, XCredentials
from carebird.adapters.x.search import TweepyMentionsSearch
from carebird.adapters.x.spend import SpendMeter
from carebird.adapters.x.users import TweepyUsersReader
from carebird.brands import Brand
from carebird.ingest.model import Feed, GapStatus, MentionStatus, SkipReason
from carebird.ingest.poll import Poller, PollSummary, PollTuning
from carebird.ingest.profiles import AuthorProfiles, ProfiledReader
from carebird.spend.book import SpendBook
from carebird_ops.xemu.client import EmulatorClient
from carebird_ops.xemu.server import EmulatorHandle, start
from tests.support.ingest_fakes import (
    FakeAuthorDirectory,
    FakeClock,
    FakeHandoff,
    FakeMetrics,
    FakeStore,
)
from tests.support.spend_fakes import FakeSpendCounters

HANDLE = "AcmeHelp"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorHandle]:
    with start() as handle:
        yield handle


class Ingestion:
    """A poller whose clock and the emulator's clock move together."""

    def __init__(self, emulator: EmulatorHandle, tuning: PollTuning, *, search: bool = False) -> None:
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
        # The spend meter, as the poll function wires it: what X bills, deduplicated per UTC day.
        self.book = SpendBook(FakeSpendCounters())
        meter = SpendMeter(self.book, clock=self.clock.now)
        # Authors' profiles, as the poll function wires them: read from X only when the directory lacks them.
        self.directory = FakeAuthorDirectory()
        users = TweepyUsersReader(lambda _: creds, emulator.url, timeout_seconds=5, meter=meter)
        profiles = AuthorProfiles(self.directory, users, self.clock, timedelta(days=7))
        reader = ProfiledReader(
            TweepyMentionsReader(lambda _: creds, emulator.url, timeout_seconds=5, meter=meter), profiles
        )
        dms = ProfiledReader(
            TweepyDmReader(lambda _: creds, emulator.url, timeout_seconds=5, meter=meter), profiles
        )
        searcher = ProfiledReader(
            TweepyMentionsSearch(lambda _: creds, emulator.url, timeout_seconds=5, meter=meter), profiles
        )
        self.poller = Poller(
            self.store,
            reader,
            self.handoff,
            FakeMetrics(),
            self.clock,
            tuning,
            dms=dms,
            mentions_search=searcher if search else None,
        )
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

    def dm_events_read(self) -> int:
        return int(self.emu.stats()["totals"]["dm_events_read"])


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


def mention_requests(ing: Ingestion) -> int:
    return int(ing.emu.stats()["by_endpoint"].get("getUsersMentions", {}).get("requests", 0))


def stored_retweet_refs(ing: Ingestion, tweet_id: str) -> list[tuple[str, str]]:
    stored = next(m for (_, tid), m in ing.store.mentions.items() if tid == tweet_id)
    return [(r.type, r.id) for r in stored.mention.referenced]


def test_a_returning_author_is_read_from_x_once_a_week_not_once_a_day(emulator: EmulatorHandle) -> None:
    ing = Ingestion(emulator, PollTuning())
    ing.emu.create_user("wanda", followers=321)
    ing.run()  # the brand's cursor starts here
    ing.advance(60)
    first = ing.emu.post("wanda", f"@{HANDLE} my bag never arrived")
    ing.advance(60)
    ing.run()
    ing.advance(2 * 86400)  # two UTC days later: X would bill her profile again
    later = ing.emu.post("wanda", f"@{HANDLE} still no bag")
    ing.emu.dm("wanda", HANDLE, "my booking is ABC123")
    ing.advance(60)
    ing.run()

    by_day = {d.day: d.units for d in ing.book.days(ing.brand.id, T0.date(), (T0 + timedelta(days=2)).date())}
    assert by_day[T0.date()] == {"post_read": 1, "user_read": 1}
    assert by_day[(T0 + timedelta(days=2)).date()] == {"post_read": 1, "dm_event_read": 1}  # no user read
    assert ing.emu.stats()["by_endpoint"]["getUsersByIds"]["requests"] == 1
    stored = {tid: m for (_, tid), m in ing.store.mentions.items()}
    for post in (first, later):
        author = stored[post["id"]].mention.author
        assert (author.username, author.followers_count) == ("wanda", 321)
    (dm,) = ing.store.dms.values()
    assert dm.dm.sender.username == "wanda"


def test_dms_are_read_until_the_cursor_stored_once_and_customer_ones_triaged_once(
    emulator: EmulatorHandle,
) -> None:
    ing = Ingestion(emulator, PollTuning())
    for name in ["wanda", *(f"customer{i}" for i in range(130))]:
        ing.emu.create_user(name, followers=7)
    ing.emu.dm("wanda", HANDLE, "hello?")
    ing.run()  # the DM cursor starts here
    ing.advance(60)
    customers = [ing.emu.dm(f"customer{i}", HANDLE, f"order {i} never arrived")["id"] for i in range(130)]
    answer = ing.emu.dm(HANDLE, "customer3", "Sorry to hear that! Checking now.")
    ing.advance(60)
    read_before = ing.dm_events_read()

    summary = ing.run()

    assert (summary.dms_ingested, summary.dms_skipped, summary.errors) == (130, 1, 0)
    dms = {eid: d for (_, eid), d in ing.store.dms.items()}
    assert dms[answer["id"]].skip_reason is SkipReason.OWN_MESSAGE
    names = {n for n in ing.handoff.executions if n.startswith("d-")}
    assert names == {f"d-{ing.brand.id}-{eid}" for eid in [*customers, min(dms, key=int)]}
    sample = ing.handoff.executions[f"d-{ing.brand.id}-{customers[0]}"]["dm"]
    assert sample["sender"]["username"] == "customer0" and sample["dm_conversation_id"]  # type: ignore[index]
    # Pages of 2, 4, 8, ... then 100: X bills what it returns, and the chain stops at the cursor.
    assert ing.dm_events_read() - read_before == summary.dm_reads <= 131 + 100

    ing.advance(60)
    again = ing.run()
    assert (again.dms_ingested, again.duplicates) == (0, 0)
    assert again.dm_reads <= 131 + 1  # the last poll found 131: its first page asks for 132


def test_a_burst_beyond_the_mentions_cap_leaves_a_gap_marked_lost_to_x(emulator: EmulatorHandle) -> None:
    ing = Ingestion(emulator, PollTuning(page_size=10, reach_limit=30, gap_max_attempts=2))
    ing.emu.update_settings(mentions_cap=30)
    ing.emu.post("early", f"@{HANDLE} hello")
    ing.run()
    ing.advance(60)
    burst = ing.emu.bulk_post([{"author": f"c{i}", "text": f"@{HANDLE} outage {i}"} for i in range(50)])
    ing.advance(60)

    summary = ing.run()

    assert summary.ingested == 30 and summary.gaps == 1
    (gap,) = ing.store.gaps(ing.brand.id)
    # The emulator's cap, like X's, applies to time windows too: the 20 oldest stay out of reach. X
    # answered the window in full with nothing, not even the cursor post: lost to X, for a person.
    assert gap.status is GapStatus.LOST and gap.recovered == 0 and summary.gaps_lost == 1
    lost = set(burst) - {tid for (_, tid) in ing.store.mentions}
    assert len(lost) == 20 and all(gap.contains(tid) for tid in lost)
    ing.advance(3600)
    requests_before = mention_requests(ing)
    ing.run()
    assert mention_requests(ing) - requests_before == 1  # the read; the lost gap is not tried again


def test_a_burst_past_the_timelines_reach_is_read_through_recent_search_each_once(
    emulator: EmulatorHandle,
) -> None:
    ing = Ingestion(emulator, PollTuning(page_size=10, reach_limit=30, gap_max_attempts=2), search=True)
    ing.emu.update_settings(mentions_cap=30)
    early = ing.emu.post("early", f"@{HANDLE} hello")
    ing.run()
    ing.advance(60)
    own = ing.emu.post(HANDLE, f"@{HANDLE} we are looking into the outage")  # the brand's own: not read
    burst = ing.emu.bulk_post([{"author": f"c{i}", "text": f"@{HANDLE} outage {i}"} for i in range(50)])
    ing.advance(60)

    summary = ing.run()

    # The timeline served the 30 newest; its window over the gap got nothing; search read the 20 older.
    (gap,) = ing.store.gaps(ing.brand.id)
    assert gap.status is GapStatus.CLOSED and gap.recovered == 20
    assert summary.gaps_lost == 0 and summary.gaps_closed == 1
    stored = [tid for (_, tid) in ing.store.mentions]
    assert sorted(stored) == sorted([early["id"], *burst]) and own["id"] not in stored
    assert len(ing.handoff.executions) == 51 and set(ing.handoff.starts.values()) == {1}
    search = ing.emu.stats()["by_endpoint"]["searchPostsRecent"]
    assert search["posts_read"] == 21  # the 20 in the gap and the cursor post that proves it reached down
    # X bills a post once a UTC day however often it is read: the cursor post read again is not billed.
    # Each of the 51 authors is looked up once (the directory knew none of them), the brand never.
    (day,) = ing.book.days(ing.brand.id, T0.date(), T0.date())
    assert day.units == {"post_read": 51, "user_read": 51}
    ing.advance(3600)
    ing.run()
    assert ing.emu.stats()["by_endpoint"]["searchPostsRecent"]["requests"] == search["requests"]


def test_a_gap_older_than_recent_searchs_seven_days_is_lost_to_x(emulator: EmulatorHandle) -> None:
    ing = Ingestion(emulator, PollTuning(page_size=10, reach_limit=30), search=True)
    ing.emu.update_settings(mentions_cap=30)
    ing.emu.post("early", f"@{HANDLE} hello")
    ing.run()
    ing.advance(60)
    ing.emu.bulk_post([{"author": f"c{i}", "text": f"@{HANDLE} outage {i}"} for i in range(50)])
    ing.advance(8 * 24 * 3600)  # the poller was down for 8 days

    summary = ing.run()

    (gap,) = ing.store.gaps(ing.brand.id)
    assert gap.status is GapStatus.LOST and summary.gaps_lost == 1
    assert "searchPostsRecent" not in ing.emu.stats()["by_endpoint"]  # nothing search could serve


def test_a_gap_whose_windows_fail_past_the_attempt_threshold_is_filled_once_x_answers(
    emulator: EmulatorHandle,
) -> None:
    # On a loaded machine a gap's time-window queries time out or hit 429 while the short reads that
    # find the next mentions succeed. Its mentions are within X's reach all along: they are read once
    # the windows go through again, however many tries failed before (the threshold escalates, it
    # does not give up).
    tuning = PollTuning(page_size=5, max_pages=2, gap_retry_seconds=60, gap_max_attempts=2)
    ing = Ingestion(emulator, tuning)
    ing.emu.post("early", f"@{HANDLE} hello")
    ing.run()
    ing.advance(60)
    burst = ing.emu.bulk_post([{"author": f"c{i}", "text": f"@{HANDLE} outage {i}"} for i in range(20)])
    windows_fail = {"match": "getUsersMentions", "with_param": "until_id", "error_p": 1.0}
    ing.emu.set_faults([windows_fail], seed=1)
    ing.advance(60)

    first = ing.run()  # a chain cut at two pages: the oldest ten are a gap, its windows fail
    assert (first.ingested, first.gaps, first.gaps_closed) == (10, 1, 0)
    for _ in range(4):  # an hour apart: every retry the back-off allows fails too
        ing.advance(3600)
        ing.run()
    (gap,) = ing.store.gaps(ing.brand.id)
    assert gap.status is GapStatus.OPEN and gap.attempts > tuning.gap_max_attempts
    assert ing.emu.faults()["injected"]["error"] == gap.attempts

    ing.emu.clear_faults()
    for _ in range(2):
        ing.advance(3600)
        ing.run()
    assert set(burst) <= {tid for (_, tid) in ing.store.mentions}, "every mention of the gap is read"
    (gap,) = ing.store.gaps(ing.brand.id)
    assert gap.status is GapStatus.CLOSED and gap.recovered == 10


def test_a_rate_limit_midway_keeps_what_was_read_and_waits_for_the_reset(emulator: EmulatorHandle) -> None:
    ing = Ingestion(emulator, PollTuning(page_size=5, gap_retry_seconds=0))
    ing.run()
    ing.advance(60)
    ing.emu.set_rate_limit("getUsersMentions", 3, window_seconds=900)
    ing.emu.bulk_post([{"author": f"c{i}", "text": f"@{HANDLE} question {i}"} for i in range(20)])
    ing.advance(60)
    requests_before = mention_requests(ing)

    first = ing.run()
    assert first.rate_limited == 1 and first.gaps == 1
    state = ing.store.get_poll_state(ing.brand.id, Feed.MENTIONS)
    assert state.blocked_until is not None
    for _ in range(5):  # ticks before the reset: not one request to X
        ing.advance(60)
        ing.run()
    assert mention_requests(ing) - requests_before <= 3 + 1

    ing.advance(900)
    ing.run()
    ing.advance(60)
    ing.run()
    work = [m for m in ing.store.mentions.values() if m.status is not MentionStatus.SKIPPED]
    assert len(work) == 20 and len(ing.handoff.executions) == 20
    assert all(g.status is GapStatus.CLOSED for g in ing.store.gaps(ing.brand.id))


def test_a_reach_that_slides_while_a_chain_is_paged_is_recorded_as_a_gap(emulator: EmulatorHandle) -> None:
    ing = Ingestion(emulator, PollTuning(gap_max_attempts=1))
    ing.emu.post("early", f"@{HANDLE} hello")
    ing.run()
    ing.advance(60)
    burst = ing.emu.bulk_post([{"author": f"c{i}", "text": f"@{HANDLE} outage {i}"} for i in range(700)])
    reader = ing.poller.mentions
    original = reader.read
    arrived = []

    def while_paging(brand, query):  # type: ignore[no-untyped-def]
        page = original(brand, query)
        if not arrived:  # 150 more arrive after the first page: the oldest 50 of the 700 leave X's reach
            arrived.extend(
                ing.emu.bulk_post([{"author": f"n{i}", "text": f"@{HANDLE} me too {i}"} for i in range(150)])
            )
        return page

    reader.read = while_paging  # type: ignore[method-assign]
    ing.advance(1)
    summary = ing.run()

    lost = set(burst) - {tid for (_, tid) in ing.store.mentions}
    assert len(lost) == 50 and summary.gaps >= 1
    # X no longer serves them (its window answered nothing): recorded for a person, not silently skipped.
    (gap,) = [g for g in ing.store.gaps(ing.brand.id) if g.status is GapStatus.LOST]
    assert all(gap.contains(tid) for tid in lost)
