"""In-memory fakes of the ingestion ports, faithful to the behaviour the adapters promise.

FakeStore follows the same contract as the DynamoDB adapter (tests/integration/storage/
test_ingest_store.py runs the same checks on both). FakeX models X's mentions timeline: newest first,
since_id / until_id / start_time / end_time, pagination tokens, the ~800 reach, 180 requests per 15
minutes, and billed reads. FakeDms models GET /2/dm_events: every conversation's events newest first,
pagination tokens and nothing else (no since_id), 300 requests per 15 minutes.
Crash injection: a CrashPlan shared by the store and the handoff kills the "process" at a chosen side
effect (before or after it happens); a dead process does nothing more, as in Lambda.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from carebird.brands import Brand, BrandListing
from carebird.ingest.model import (
    Author,
    Cursor,
    DirectMessage,
    DmQuery,
    DmSender,
    Feed,
    Gap,
    GapStatus,
    IngestedDm,
    IngestedMention,
    IngestedMessage,
    LeasedBrand,
    Mention,
    MentionsQuery,
    MentionStatus,
    Page,
    PollState,
    RateLimit,
    ReferencedPost,
)
from carebird.ingest.ports import AlreadyIngested, HandoffFailed
from carebird.ports.x import XBadRequest, XError, XRateLimited

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# Execution names as Step Functions gets them from carebird.adapters.aws.handoff: m-/d- per feed.
EXECUTION_PREFIX = {Feed.MENTIONS: "m", Feed.DMS: "d"}


class Crash(BaseException):
    """The Lambda died here. BaseException, so no `except Exception` in the code under test can absorb it."""


@dataclass
class CrashPlan:
    """Kill the process at the n-th side-effect point (counting 'before' and 'after' each effect)."""

    at: int | None = None
    seen: int = 0
    dead: bool = False
    points: list[str] = field(default_factory=list)

    def tick(self, point: str) -> None:
        if self.dead:
            raise Crash(f"already dead, at {point}")
        self.seen += 1
        self.points.append(point)
        if self.at is not None and self.seen == self.at:
            self.dead = True
            raise Crash(point)

    def rearm(self, at: int | None) -> None:
        self.at, self.seen, self.dead = at, 0, False


class FakeClock:
    def __init__(self, start: datetime = T0) -> None:
        self.t = start
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        self.t += timedelta(seconds=seconds)


class FakeAuthorDirectory:
    """carebird.ingest.ports.AuthorDirectory in memory: each profile with when it was read."""

    def __init__(self) -> None:
        self.stored: dict[str, tuple[Author, datetime]] = {}
        self.fail = False  # every call raises, as an unreachable table would

    def profiles(self, author_ids: Sequence[str], read_since: datetime) -> dict[str, Author]:
        if self.fail:
            raise ConnectionError("directory unreachable")
        return {
            i: self.stored[i][0] for i in author_ids if i in self.stored and self.stored[i][1] >= read_since
        }

    def remember(self, authors: Sequence[Author], read_at: datetime) -> None:
        if self.fail:
            raise ConnectionError("directory unreachable")
        self.stored.update((a.id, (a, read_at)) for a in authors)


class FakeMetrics:
    def __init__(self) -> None:
        self.values: dict[str, list[float]] = {}

    def add_metric(self, name: str, unit: str, value: float) -> None:
        self.values.setdefault(name, []).append(value)

    def total(self, name: str) -> float:
        return sum(self.values.get(name, []))


class FakeHandoff:
    """Step Functions as the poller sees it: one execution per name, a repeated name is a no-op."""

    def __init__(self, crash: CrashPlan | None = None) -> None:
        self.crash = crash or CrashPlan()
        self.executions: dict[str, dict[str, object]] = {}
        self.starts: Counter[str] = Counter()
        self.fail_next = 0

    def start(self, record: IngestedMessage, brand: Brand) -> None:
        self.crash.tick("before:start")
        if self.fail_next:
            self.fail_next -= 1
            raise HandoffFailed("throttled")
        name = f"{EXECUTION_PREFIX[record.feed]}-{record.brand_id}-{record.message_id}"
        self.starts[name] += 1
        self.executions.setdefault(name, record.triage_input(brand))
        self.crash.tick("after:start")


class FakeStore:
    def __init__(self, clock: FakeClock, crash: CrashPlan | None = None) -> None:
        self.clock = clock
        self.crash = crash or CrashPlan()
        self.brands: dict[str, Brand] = {}
        self.cursors: dict[tuple[str, Feed], Cursor] = {}
        # Per feed, by (brand id, message id): the same number may be a tweet and a DM event.
        self.messages: dict[Feed, dict[tuple[str, str], IngestedMessage]] = {feed: {} for feed in Feed}
        self.claims: dict[tuple[str, str, str], tuple[str, int]] = {}
        self.states: dict[tuple[str, Feed], PollState] = {}
        self.leases: dict[str, tuple[str, int]] = {}
        self.gap_items: dict[tuple[str, str], Gap] = {}
        self.kept: dict[str, list[Mention]] = {}  # brand id -> mentions read and not written
        self.put_attempts = 0
        self.poll_calls: Counter[str] = Counter()  # reads and writes of poll states, cursors and lease

    @property
    def mentions(self) -> dict[tuple[str, str], IngestedMention]:
        return self.messages[Feed.MENTIONS]  # type: ignore[return-value]

    @property
    def dms(self) -> dict[tuple[str, str], IngestedDm]:
        return self.messages[Feed.DMS]  # type: ignore[return-value]

    def _effect(self, name: str) -> None:
        self.crash.tick(f"before:{name}")

    def _done(self, name: str) -> None:
        self.crash.tick(f"after:{name}")

    # brands
    def put_brand(self, brand: Brand) -> None:
        self.brands[brand.id] = brand

    def list_brands(self) -> BrandListing:
        return BrandListing(sorted(self.brands.values(), key=lambda b: b.handle.lower()), [])

    # cursors
    def get_cursor(self, brand_id: str, feed: Feed) -> Cursor | None:
        self.poll_calls["get_cursor"] += 1
        return self.cursors.get((brand_id, feed))

    def advance_cursor(self, brand_id: str, feed: Feed, cursor: Cursor) -> bool:
        effect = f"advance_cursor:{feed.value}"
        self._effect(effect)
        current = self.cursors.get((brand_id, feed))
        if current is not None and int(current.since_id) >= int(cursor.since_id):
            self._done(effect)
            return False
        self.cursors[(brand_id, feed)] = cursor
        self._done(effect)
        return True

    # mentions and DMs
    def put_message(self, record: IngestedMessage) -> None:
        effect = f"put_message:{record.feed.value}"
        self._effect(effect)
        if record.feed is Feed.MENTIONS:
            self.put_attempts += 1
        stored = self.messages[record.feed]
        key = (record.brand_id, str(int(record.message_id)))
        if key in stored:
            raise AlreadyIngested(key)
        stored[key] = record
        self._done(effect)

    def get_message(self, brand_id: str, feed: Feed, message_id: str) -> IngestedMessage | None:
        return self.messages[feed].get((brand_id, str(int(message_id))))

    def list_messages(self, brand_id: str, feed: Feed, limit: int = 50) -> list[IngestedMessage]:
        mine = [m for (b, _), m in self.messages[feed].items() if b == brand_id]
        return sorted(mine, key=lambda m: -m.number)[:limit]

    def list_unreadable(self, brand_id: str, limit: int = 50) -> list[IngestedMention]:
        mine = self.list_messages(brand_id, Feed.MENTIONS, len(self.mentions))
        return [m for m in mine if isinstance(m, IngestedMention) and m.status is MentionStatus.UNREADABLE][
            :limit
        ]

    def mark_handed_off(self, brand_id: str, feed: Feed, message_id: str, at: datetime) -> None:
        effect = f"mark_handed_off:{feed.value}"
        self._effect(effect)
        stored = self.messages[feed]
        key = (brand_id, str(int(message_id)))
        current = stored.get(key)
        if current is not None and current.status is MentionStatus.PENDING:
            stored[key] = current.model_copy(update={"status": MentionStatus.HANDED_OFF, "handed_off_at": at})
        self._done(effect)

    def pending_handoffs(self, brand_id: str, feed: Feed, limit: int) -> list[IngestedMessage]:
        mine = [m for (b, _), m in self.messages[feed].items() if b == brand_id]
        pending = [m for m in mine if m.status is MentionStatus.PENDING]
        return sorted(pending, key=lambda m: m.number)[:limit]

    def claim_text(
        self,
        brand_id: str,
        author_id: str,
        fingerprint: str,
        tweet_id: str,
        created_at: datetime,
        window: timedelta,
    ) -> bool:
        self._effect("claim_text")
        key = (brand_id, author_id, fingerprint)
        created = int(created_at.timestamp())
        held = self.claims.get(key)
        if held is not None and held[1] > created and held[0] != tweet_id:
            self._done("claim_text")
            return False
        self.claims[key] = (tweet_id, created + math.ceil(window.total_seconds()))
        self._done("claim_text")
        return True

    # poll state and lease
    def get_poll_state(self, brand_id: str, feed: Feed) -> PollState:
        self.poll_calls["get_poll_state"] += 1
        return self.states.get((brand_id, feed), PollState())

    def save_poll_state(self, brand_id: str, feed: Feed, state: PollState) -> None:
        self._effect("save_poll_state")
        self.states[(brand_id, feed)] = state
        self._done("save_poll_state")

    def save_poll_states(
        self, brand_id: str, states: Mapping[Feed, PollState], cursors: Mapping[Feed, Cursor]
    ) -> None:
        """One write: the states, and each cursor that moves forward."""
        self.poll_calls["save_poll_states"] += 1
        self._effect("save_poll_states")
        self.states.update({(brand_id, feed): state for feed, state in states.items()})
        for feed, cursor in cursors.items():
            current = self.cursors.get((brand_id, feed))
            if current is None or int(current.since_id) < int(cursor.since_id):
                self.cursors[(brand_id, feed)] = cursor
        self._done("save_poll_states")

    def acquire_lease(self, brand_id: str, owner: str, until: datetime, now: datetime) -> LeasedBrand | None:
        held = self.leases.get(brand_id)
        if held is not None and held[1] >= int(now.timestamp()) and held[0] != owner:
            return None
        self.leases[brand_id] = (owner, math.ceil(until.timestamp()))
        self.poll_calls["acquire_lease"] += 1
        return LeasedBrand(
            states={feed: self.states.get((brand_id, feed), PollState()) for feed in Feed},
            cursors={feed: self.cursors.get((brand_id, feed)) for feed in Feed},
        )

    def release_lease(
        self, brand_id: str, owner: str, states: Mapping[Feed, PollState] | None = None
    ) -> None:
        if self.crash.dead:
            return  # a dead process releases nothing
        self.poll_calls["release_lease"] += 1
        if states:
            self.states.update({(brand_id, feed): state for feed, state in states.items()})
        if self.leases.get(brand_id, ("", 0))[0] == owner:
            del self.leases[brand_id]

    # gaps
    def record_gap(self, gap: Gap) -> None:
        self._effect("record_gap")
        key = (gap.brand_id, str(int(gap.from_id)))
        held = self.gap_items.get(key)
        if held is None:
            self.gap_items[key] = gap
        elif int(held.to_id) < int(gap.to_id):
            self.gap_items[key] = replace(
                held,
                to_id=gap.to_id,
                to_time=gap.to_time,
                status=GapStatus.OPEN,
                closed_at=None,
                stalled=0,
                last_attempt_at=None,
            )
        self._done("record_gap")

    def open_gaps(self, brand_id: str) -> list[Gap]:
        return [g for g in self.gaps(brand_id) if g.status is GapStatus.OPEN]

    def gaps(self, brand_id: str) -> list[Gap]:
        ordered = sorted(self.gap_items.items(), key=lambda kv: int(kv[0][1]))
        return [g for (b, _), g in ordered if b == brand_id]

    def save_gap(self, gap: Gap) -> None:
        self._effect("save_gap")
        self.gap_items[(gap.brand_id, str(int(gap.from_id)))] = gap
        self._done("save_gap")

    def keep_unwritten(self, brand_id: str, mentions: Sequence[Mention]) -> None:
        self._effect("keep_unwritten")
        self.kept[brand_id] = list(mentions)
        self._done("keep_unwritten")

    def unwritten(self, brand_id: str) -> list[Mention]:
        return list(self.kept.get(brand_id, []))


@dataclass
class _Post:
    mention: Mention
    mentions: frozenset[str]  # brand user ids this post mentions


class _RateWindow:
    """X's per-user request limit of one endpoint: `limit` requests per `window`, then 429 until it resets."""

    def __init__(self, clock: FakeClock, limit: int, window: timedelta) -> None:
        self.clock = clock
        self.limit = limit
        self.window = window
        self._window_start: dict[str, datetime] = {}
        self._used: Counter[str] = Counter()
        self.calls_while_exhausted = 0

    def _spend(self, brand: Brand) -> RateLimit:
        """One request of the brand's token: the rate-limit headers X answers with, or XRateLimited."""
        token_key = brand.credentials_secret
        now = self.clock.now()
        start = self._window_start.get(token_key)
        if start is None or now >= start + self.window:
            self._window_start[token_key] = start = now
            self._used[token_key] = 0
        reset_at = start + self.window
        if self._used[token_key] >= self.limit:
            self.calls_while_exhausted += 1
            raise XRateLimited(reset_at)
        self._used[token_key] += 1
        return RateLimit(self.limit, self.limit - self._used[token_key], reset_at)

    def requests_in_window(self, brand: Brand) -> int:
        return self._used[brand.credentials_secret]


class FakeX(_RateWindow):
    """The X mentions timeline of every brand, with X's limits."""

    def __init__(
        self,
        clock: FakeClock,
        *,
        reach: int = 800,
        limit: int = 180,
        window: timedelta = timedelta(minutes=15),
        windows_bypass_reach: bool = True,
    ) -> None:
        super().__init__(clock, limit, window)
        self.reach = reach
        # Whether a query bounded by end_time can page back beyond the newest `reach` mentions.
        self.windows_bypass_reach = windows_bypass_reach
        self.posts: list[_Post] = []
        self.next_id = 1_800_000_000_000_000_000
        self.queries: list[tuple[str, MentionsQuery]] = []
        self.reads = 0
        self.failures: list[XError] = []  # raised by the next calls, in order
        self.fail_on_call: dict[int, XError] = {}
        self.calls = 0

    # ---------------------------------------------------------------- the world
    def post(
        self,
        brand: Brand | list[Brand],
        text: str = "help please",
        *,
        author: str = "4242",
        username: str = "customer",
        at: datetime | None = None,
        retweet_of: str | None = None,
        step_seconds: float = 1.0,
    ) -> Mention:
        brands = brand if isinstance(brand, list) else [brand]
        self.next_id += 1 + len(self.posts) % 3  # ids increase but are not contiguous
        created = at or self.clock.now()
        mention = Mention(
            id=str(self.next_id),
            author=Author(id=author, username=username, name=username.title()),
            text=text,
            created_at=created,
            conversation_id=str(self.next_id),
            referenced=(ReferencedPost(type="retweeted", id=retweet_of),) if retweet_of else (),
            lang="en",
        )
        self.posts.append(_Post(mention, frozenset(b.user_id for b in brands)))
        if at is None:
            self.clock.advance(step_seconds)
        return mention

    def posts_of(self, brand: Brand) -> list[Mention]:
        return [p.mention for p in self.posts if brand.user_id in p.mentions]

    # ---------------------------------------------------------------- the API
    def read(self, brand: Brand, query: MentionsQuery) -> Page[Mention]:
        self.calls += 1
        self.queries.append((brand.user_id, query))
        rate = self._spend(brand)
        if self.calls in self.fail_on_call:
            raise self.fail_on_call.pop(self.calls)
        if self.failures:
            raise self.failures.pop(0)

        newest_first = sorted(self.posts_of(brand), key=lambda m: -m.number)
        if query.end_time is not None and self.windows_bypass_reach:
            timeline = [m for m in newest_first if m.created_at <= query.end_time][: self.reach]
        else:
            timeline = newest_first[: self.reach]
            if query.end_time is not None:
                timeline = [m for m in timeline if m.created_at <= query.end_time]
        if query.until_id is not None:  # until_id takes precedence over end_time, as on X
            timeline = [m for m in timeline if m.number < int(query.until_id)]
        if query.since_id is not None:  # since_id takes precedence over start_time, as on X
            timeline = [m for m in timeline if m.number > int(query.since_id)]
        elif query.start_time is not None:
            timeline = [m for m in timeline if m.created_at >= query.start_time]
        if query.pagination_token:  # X's tokens point past the last post returned, not at an offset:
            # posts arriving while a client pages do not shift the pages it has not read yet
            timeline = [m for m in timeline if m.number < int(query.pagination_token)]
        page = timeline[: query.max_results]
        more = query.max_results < len(timeline)
        self.reads += len(page)
        return Page(
            messages=page,
            next_token=str(page[-1].number) if more else None,
            rate=rate,
            reads=len(page),
        )


class FakeDms(_RateWindow):
    """X's DM events of every brand's inbox, with X's 300 requests per 15 minutes per token."""

    def __init__(
        self, clock: FakeClock, *, limit: int = 300, window: timedelta = timedelta(minutes=15)
    ) -> None:
        super().__init__(clock, limit, window)
        self.events: list[tuple[frozenset[str], DirectMessage]] = []  # (participant user ids, event)
        self.next_id = 1_900_000_000_000_000_000
        self.calls = 0
        self.reads = 0
        self.tokens: list[str | None] = []
        self.failures: list[XError] = []  # raised by the next calls, in order

    def send(
        self,
        sender: str,
        recipient: str,
        text: str = "hello, my order?",
        *,
        username: str = "customer",
        at: datetime | None = None,
        step_seconds: float = 1.0,
    ) -> DirectMessage:
        """`sender` DMs `recipient` (user ids); a customer writing to a brand, or the brand answering."""
        self.next_id += 1 + len(self.events) % 2
        low, high = sorted((sender, recipient), key=int)
        event = DirectMessage(
            id=str(self.next_id),
            text=text,
            created_at=at or self.clock.now(),
            sender=DmSender(id=sender, username=username, name=username.title(), followers_count=3),
            dm_conversation_id=f"{low}-{high}",
        )
        self.events.append((frozenset((sender, recipient)), event))
        if at is None:
            self.clock.advance(step_seconds)
        return event

    def inbox(self, brand: Brand) -> list[DirectMessage]:
        return [e for users, e in self.events if brand.user_id in users]

    def read(self, brand: Brand, query: DmQuery) -> Page[DirectMessage]:
        pagination_token, max_results = query.pagination_token, query.max_results
        self.calls += 1
        self.tokens.append(pagination_token)
        rate = self._spend(brand)
        if self.failures:
            raise self.failures.pop(0)
        newest_first = sorted(self.inbox(brand), key=lambda e: -e.number)
        offset = int(pagination_token) if pagination_token else 0
        page = newest_first[offset : offset + max_results]
        more = offset + max_results < len(newest_first)
        self.reads += len(page)
        return Page(
            messages=page,
            next_token=str(offset + max_results) if more else None,
            rate=rate,
            reads=len(page),
        )


class FakeSearch(_RateWindow):
    """X's recent search for a brand's mentions over FakeX's posts: no ~800 reach, only the last 7 days,
    its own 300 requests per 15 minutes, and X's 400 for a since_id or start_time older than that."""

    def __init__(self, x: FakeX, *, limit: int = 300, window: timedelta = timedelta(minutes=15)) -> None:
        super().__init__(x.clock, limit, window)
        self.x = x
        self.hidden: set[str] = set()  # posts the timeline serves and search does not (quotes, say)
        self.queries: list[MentionsQuery] = []
        self.failures: list[XError] = []  # raised by the next calls, in order
        self.reads = 0

    def read(self, brand: Brand, query: MentionsQuery) -> Page[Mention]:
        self.queries.append(query)
        rate = self._spend(brand)
        if self.failures:
            raise self.failures.pop(0)
        horizon = self.clock.now() - timedelta(days=7)
        found = sorted(
            (m for m in self.x.posts_of(brand) if m.created_at >= horizon and m.id not in self.hidden),
            key=lambda m: -m.number,
        )
        if query.since_id is not None:
            floor = next((m for m in self.x.posts_of(brand) if m.number == int(query.since_id) + 1), None)
            if floor is not None and floor.created_at < horizon:
                raise XBadRequest("'since_id' must be a tweet id created after the last 7 days")
            found = [m for m in found if m.number > int(query.since_id)]
        elif query.start_time is not None:
            if query.start_time < horizon:
                raise XBadRequest("'start_time' must be within the last 7 days")
            found = [m for m in found if m.created_at >= query.start_time]
        if query.until_id is not None:
            found = [m for m in found if m.number < int(query.until_id)]
        if query.pagination_token:
            found = [m for m in found if m.number < int(query.pagination_token)]
        page = found[: query.max_results]
        more = query.max_results < len(found)
        self.reads += len(page)
        return Page(
            messages=page, next_token=str(page[-1].number) if more else None, rate=rate, reads=len(page)
        )


def brand(handle: str = "acme", user_id: str = "1000", **kwargs: object) -> Brand:
    return Brand.model_validate(
        {"handle": handle, "user_id": user_id, "credentials_secret": f"carebird/test/x/{handle}", **kwargs}
    )
