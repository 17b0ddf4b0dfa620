"""Poll every enabled brand's mentions and DMs into storage and hand each new one to triage exactly once.

Pure domain logic: it talks only to the ports in `carebird.ingest.ports`. A brand has two feeds, its
mentions timeline and its DM events, each with its own cursor, X rate limit and schedule (see
`carebird.ingest.cadence`); one lease per brand keeps overlapping invocations off both.

Why nothing is lost or duplicated, whatever point a run dies at:
- A feed's pages are read newest first down to its cursor, then written oldest first, in batches. Each
  write is conditional on the tweet or DM event id (`AlreadyIngested` is the normal answer to a retry).
- The cursor moves to the newest id of a batch only after every message up to it is stored, and only
  forwards. A run that dies before that re-reads the same range next time; the writes dedupe it.
- A message is stored as pending in the same write that makes it discoverable as pending, handed to
  triage under a name derived from its id (a second start of the same name is a no-op), and marked
  handed off afterwards. Pending messages left by a dead run are handed off by the next.
- Reading X is what cannot wait (a burst passes X's reach); handing off can, since pending messages
  are durable. So triage is started in the gaps, while no feed is due, and a slow Step Functions never
  delays a read. Nor does slow storage: a read that falls due while a batch is in the write pool
  happens then, and what it reads joins the backlog behind that batch.
- When X cannot page back to the mentions cursor (its ~800 reach, or a page that failed), the hole is
  recorded as a gap before the cursor moves, then filled from a time-window query, now or in a later
  run. DM events have no time-window query: a DM chain that fails midway keeps its cursor, so the next
  poll reads the whole range again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TypeVar

from carebird.brands import Brand, InvalidBrand
from carebird.ingest.cadence import Cadence
from carebird.ingest.model import (
    Cursor,
    DirectMessage,
    Feed,
    Gap,
    GapReason,
    GapStatus,
    IngestedDm,
    IngestedMention,
    Mention,
    MentionsQuery,
    MentionStatus,
    PollState,
    RateLimit,
    SkipReason,
)
from carebird.ingest.noise import obvious_noise, text_fingerprint
from carebird.ingest.ports import (
    AlreadyIngested,
    Clock,
    DmReader,
    HandoffFailed,
    IngestStore,
    MentionsReader,
    MetricsSink,
    TriageHandoff,
)
from carebird.metric_names import MetricName
from carebird.observability import logger
from carebird.ports.x import XError, XRateLimited

COUNT = "Count"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SECONDS = "Seconds"
T = TypeVar("T")


@dataclass(frozen=True)
class PollTuning:
    cadence: Cadence = field(default_factory=Cadence)
    initial_lookback_seconds: float = 3600.0  # a brand's first poll starts this far back
    repeat_window_seconds: float = 86400.0  # default; a brand may set settings.repeat_window_seconds
    reach_limit: int = 800  # how many mentions X lets a client page back through (see _read_chain)
    cut_fraction: float = 0.75  # a chain this share of the reach long may have been cut (see _read_chain)
    page_size: int = 100
    max_pages: int = 20  # a token chain longer than X's reach is a broken chain
    gap_retry_seconds: float = 300.0
    gap_max_attempts: int = 20  # window queries per gap before it is left open for a person
    handoff_batch: int = 100
    # Triage starts get at least this long after a poll even when another poll is due: a feed that is
    # always due (a burst) must not starve triage.
    handoff_min_seconds: float = 0.5
    lease_slack_seconds: float = 30.0
    # Messages stored between two cursor moves: a run that must stop (or dies) midway keeps its progress,
    # and a read that falls due during a burst waits for one batch at most.
    write_batch: int = 50
    # Concurrent conditional writes and triage starts: DynamoDB's latency, not X, bounds a burst's pace.
    write_concurrency: int = 8
    # How long a brand may go unread between one run's last read and the next run's first: the
    # schedule's period, and more when the next start waits for this run to end. Past its budget, a
    # run goes on reading a feed whose mentions would fill `reach_fraction` of X's reach in that time.
    handover_seconds: float = 120.0


@dataclass
class PollSummary:
    brands: int = 0
    polls: int = 0  # feed polls: a brand's mentions and its DMs count one each
    ingested: int = 0  # mentions stored as work and handed toward triage
    skipped: int = 0  # mentions stored as noise
    duplicates: int = 0  # read again after an interrupted run; the first write stood
    reads: int = 0  # posts X returned (what X bills)
    gaps: int = 0
    gaps_closed: int = 0
    handed_off: int = 0  # triage executions started, for mentions and DMs
    rate_limited: int = 0
    errors: int = 0
    dms_ingested: int = 0  # customer DMs stored and handed toward triage
    dms_skipped: int = 0  # the brand's own DMs, stored for the record
    dm_reads: int = 0  # DM events X returned
    unreadable: int = 0  # posts X sent that the adapter could not read: stored raw, never triaged

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass
class _Chain:
    """One chain of mention pages, newest first, as far back as X and the floor allow."""

    mentions: dict[str, Mention] = field(default_factory=dict)
    rate: RateLimit | None = None
    failure: XError | None = None
    truncated: bool = False
    reached_floor: bool = False  # a post at or below the floor came back: nothing between is missing

    def ascending(self) -> list[Mention]:
        return sorted(self.mentions.values(), key=lambda m: m.number)

    def oldest(self) -> Mention:
        return min(self.mentions.values(), key=lambda m: m.number)

    def newest(self) -> Mention:
        return max(self.mentions.values(), key=lambda m: m.number)


@dataclass
class _Reading:
    """A mentions poll in progress: how far it has read, and what is read but not written yet."""

    cursor: Cursor | None  # the newest mention read (the stored cursor until the first read)
    from_time: datetime  # created_at of the cursor's post, or where the first poll of a brand starts
    rate: RateLimit | None
    last_read_at: datetime | None
    interval: float
    backlog: list[Mention] = field(default_factory=list)  # read, not yet written; oldest first
    written: int = 0
    failure: XError | None = None
    failed_after_reading: bool = False  # the failing chain had read some pages
    next_read_at: datetime = _EPOCH


@dataclass
class _DmChain:
    """DM events newer than the cursor, read newest first until the cursor (or the lookback) showed up."""

    events: dict[str, DirectMessage] = field(default_factory=dict)
    rate: RateLimit | None = None
    failure: XError | None = None
    truncated: bool = False
    had_cursor: bool = True

    def ascending(self) -> list[DirectMessage]:
        return sorted(self.events.values(), key=lambda e: e.number)


@dataclass
class _Handoffs:
    """A feed's messages awaiting triage in this run: the ones it stored, and those a dead run left."""

    queue: dict[str, IngestedMention | IngestedDm] = field(default_factory=dict)  # by message id
    more_in_store: bool = True  # the store may hold pending ones not queued yet

    def add(self, records: Iterable[IngestedMention | IngestedDm]) -> None:
        for record in records:
            self.queue.setdefault(_message_id(record), record)

    def oldest(self, n: int) -> list[IngestedMention | IngestedDm]:
        return sorted(self.queue.values(), key=lambda r: int(_message_id(r)))[:n]


@dataclass
class _Counts:
    ingested: int = 0
    skipped: int = 0
    reads: int = 0
    lags: list[float] = field(default_factory=list)


# Metric names per feed: (X reads, ingested as work, skipped as noise, ingest lag).
_METRICS = {
    Feed.MENTIONS: (
        MetricName.X_READS,
        MetricName.MENTIONS_INGESTED,
        MetricName.MENTIONS_SKIPPED,
        MetricName.INGEST_LAG_SECONDS,
    ),
    Feed.DMS: (
        MetricName.X_DM_EVENT_READS,
        MetricName.DMS_INGESTED,
        MetricName.DMS_SKIPPED,
        MetricName.DM_INGEST_LAG_SECONDS,
    ),
}


class Poller:
    def __init__(
        self,
        store: IngestStore,
        x: MentionsReader,
        handoff: TriageHandoff,
        metrics: MetricsSink,
        clock: Clock,
        tuning: PollTuning | None = None,
        dms: DmReader | None = None,
    ) -> None:
        self.store = store
        self.x = x
        self.dms = dms  # None: DMs are not read (a deployment whose X app lacks DM access)
        self.handoff = handoff
        self.metrics = metrics
        self.clock = clock
        self.tuning = tuning or PollTuning()
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self._stop_writing_at: datetime | None = None
        self._handoffs: dict[tuple[str, Feed], _Handoffs] = {}
        self._arrival_rates: dict[str, float] = {}  # brand id -> mentions a second, by its last read

    # ------------------------------------------------------------------ the invocation
    def run(
        self,
        invocation_id: str,
        deadline: datetime,
        hard_deadline: datetime | None = None,
        lease_until: datetime | None = None,
    ) -> PollSummary:
        """Poll every enabled brand's due feeds once, then keep re-polling busy ones until `deadline`.

        The first round may run past `deadline` (a budget is for re-polls, not for skipping a brand),
        but never past `hard_deadline`, which the caller sets from the time the Lambda has left; a feed
        that is still writing then stops after its current batch. `lease_until` is when this invocation
        is certainly over (the Lambda's timeout), so a run that was killed blocks nobody for long.
        """
        hard_deadline = hard_deadline or deadline
        self._stop_writing_at = hard_deadline
        summary = PollSummary()
        listing = self.store.list_brands()
        for invalid in listing.invalid:
            self._error(summary, "brand record is invalid", invalid)
        brands = [b for b in listing.brands if b.poll_enabled]
        summary.brands = len(brands)

        if lease_until is None:
            lease_until = max(deadline, hard_deadline) + timedelta(seconds=self.tuning.lease_slack_seconds)
        leased: list[Brand] = []
        for brand in brands:
            if self.store.acquire_lease(brand.id, invocation_id, lease_until, self.clock.now()):
                leased.append(brand)
            else:
                logger.info("another invocation is polling this brand", extra={"brand": brand.handle})
        try:
            feeds = [(brand, feed) for brand in leased for feed in self._feeds(brand)]
            states = {(b.id, f): self.store.get_poll_state(b.id, f) for b, f in feeds}
            self._handoffs = {(b.id, f): _Handoffs() for b, f in feeds}
            self._arrival_rates = {}
            for brand, feed in feeds:  # what a dead run left, before this run stores anything new
                self._queue_from_store(brand, feed, summary)
            self._round(feeds, states, hard_deadline, summary)
            while self._round(feeds, states, deadline, summary, wait=True):
                pass
            # Past the budget, a brand in a burst is not left for the next invocation, which would read
            # it too late: its mentions go on being read until they slow down or time is up.
            while self._round(self._in_burst(feeds), states, hard_deadline, summary, wait=True):
                pass
            # What is still pending, while nothing is due: the next invocation must find its polls on time.
            self._hand_off_pending(feeds, self._handoff_until(states, hard_deadline), summary)
        finally:
            for brand in leased:
                self.store.release_lease(brand.id, invocation_id)
        return summary

    def _in_burst(self, feeds: list[tuple[Brand, Feed]]) -> list[tuple[Brand, Feed]]:
        """The mentions feeds whose last read says X's reach would not last until another run reads them."""
        safe = self.tuning.cadence.reach_fraction * self.tuning.reach_limit
        return [
            (brand, feed)
            for brand, feed in feeds
            if feed is Feed.MENTIONS
            and self._arrival_rates.get(brand.id, 0.0) * self.tuning.handover_seconds > safe
        ]

    def _feeds(self, brand: Brand) -> list[Feed]:
        if self.dms is None or not brand.config.poll_dms:
            return [Feed.MENTIONS]
        return [Feed.MENTIONS, Feed.DMS]

    def _round(
        self,
        feeds: list[tuple[Brand, Feed]],
        states: dict[tuple[str, Feed], PollState],
        deadline: datetime,
        summary: PollSummary,
        wait: bool = False,
    ) -> bool:
        """Poll the feeds that are due (sleeping until one is, if `wait`). False when time is up."""
        now = self.clock.now()
        if not feeds or now >= deadline:
            return False
        due_at = {(b.id, f): _due_at(states[(b.id, f)]) for b, f in feeds}
        due = sorted(
            (bf for bf in feeds if due_at[(bf[0].id, bf[1])] <= now), key=lambda bf: due_at[(bf[0].id, bf[1])]
        )
        if not due:
            wake = min(due_at.values())
            if not wait or wake >= deadline:
                return False
            self._hand_off_pending(feeds, wake, summary)
            self.clock.sleep(max(0.0, (wake - self.clock.now()).total_seconds()))
            return True
        for brand, feed in due:
            if self.clock.now() >= deadline:
                return False
            key = (brand.id, feed)
            states[key] = self._poll(brand, feed, states[key], summary)
            self._hand_off_pending([(brand, feed)], self._handoff_until(states, deadline), summary)
        return True

    def _handoff_until(self, states: dict[tuple[str, Feed], PollState], deadline: datetime) -> datetime:
        """Until the next poll is due (or a short minimum), never past the run's hard deadline."""
        hard = self._stop_writing_at or deadline
        least = self.clock.now() + timedelta(seconds=self.tuning.handoff_min_seconds)
        return min(hard, max(_next_due(states), least))

    # ------------------------------------------------------------------ one feed of one brand, once
    def _poll(self, brand: Brand, feed: Feed, state: PollState, summary: PollSummary) -> PollState:
        logger.append_keys(brand=brand.handle, brand_id=brand.id, feed=feed.value)
        counts = _Counts()
        started = self.clock.now()
        summary.polls += 1
        attempt = self._attempt_mentions if feed is Feed.MENTIONS else self._attempt_dms
        try:
            new_state = attempt(brand, state, counts, summary, started)
            self.store.save_poll_state(brand.id, new_state, feed)
            return new_state
        except Exception as exc:  # one brand's failure must not stop the others
            self._error(summary, f"polling the brand's {feed.value} failed", exc)
            return self._failed(state, exc, started, state.rate)
        finally:
            self._emit(feed, counts)
            if feed is Feed.MENTIONS:
                summary.reads += counts.reads
                summary.ingested += counts.ingested
                summary.skipped += counts.skipped
            else:
                summary.dm_reads += counts.reads
                summary.dms_ingested += counts.ingested
                summary.dms_skipped += counts.skipped
            logger.remove_keys(["brand", "brand_id", "feed"])

    def _attempt_mentions(
        self, brand: Brand, state: PollState, counts: _Counts, summary: PollSummary, started: datetime
    ) -> PollState:
        """Read the mentions newer than the cursor and write them; while the writes take longer than
        the cadence allows between reads, keep reading on schedule (storage may be slower than X's
        reach allows), so a burst is read in time even when it is written late."""
        cursor = self.store.get_cursor(brand.id)
        lookback = timedelta(seconds=self.tuning.initial_lookback_seconds)
        reading = _Reading(
            cursor=cursor,
            from_time=cursor.created_at if cursor else self.clock.now() - lookback,
            rate=state.rate,
            last_read_at=state.last_success_at,
            interval=self.tuning.cadence.base_interval(True, state.interval_seconds),  # rule 2
        )
        self._read_more(brand, reading, counts, summary)
        while reading.backlog:
            if reading.failure is None and self.clock.now() >= reading.next_read_at:
                self._read_more(brand, reading, counts, summary)
            elif not self._write_next_batch(brand, reading, counts, summary):
                break
        # Triage comes after the cursor (see _hand_off_pending): a crash while starting executions then
        # costs no second read of X.
        if isinstance(reading.failure, XRateLimited):
            return self._blocked(state, reading.failure, started, summary)
        if reading.failure is not None:
            # What was read is stored and the rest is a recorded gap; still, X failed and it counts.
            message = (
                "a page of mentions failed; the rest is recorded as a gap"
                if reading.failed_after_reading
                else "reading mentions failed"
            )
            self._error(summary, message, reading.failure)
            return self._failed(state, reading.failure, started, reading.rate)
        blocked = self._backfill_gaps(brand, counts, summary)
        if blocked is not None:
            return self._blocked(state, blocked, started, summary)
        self.metrics.add_metric(MetricName.POLL_SUCCEEDED, COUNT, 1)
        return PollState(
            next_poll_at=reading.next_read_at,
            interval_seconds=reading.interval,
            rate=reading.rate,
            last_polled_at=started,
            last_success_at=reading.last_read_at,
        )

    def _read_more(self, brand: Brand, reading: _Reading, counts: _Counts, summary: PollSummary) -> None:
        """One chain of pages from the newest mention read so far; schedules the next read."""
        now = self.clock.now()
        if reading.cursor is not None:
            query = MentionsQuery(since_id=reading.cursor.since_id, max_results=self.tuning.page_size)
            floor = reading.cursor.number
        else:
            query = MentionsQuery(start_time=reading.from_time, max_results=self.tuning.page_size)
            floor = 0
        chain = self._read_chain(brand, query, floor, counts)
        reading.rate = chain.rate or reading.rate
        reading.failure = chain.failure
        reading.failed_after_reading = bool(chain.mentions)
        if chain.mentions and (chain.failure is not None or chain.truncated):
            oldest = chain.oldest()
            gap = Gap(
                brand_id=brand.id,
                from_id=reading.cursor.since_id if reading.cursor else "0",
                to_id=oldest.id,
                from_time=reading.from_time,
                to_time=oldest.created_at,
                reason=GapReason.PAGE_FAILED if chain.failure else GapReason.REACH_LIMIT,
                detected_at=now,
            )
            # Durable before the cursor passes it, or a crash in between would forget the hole.
            self.store.record_gap(gap)
            summary.gaps += 1
            self.metrics.add_metric(MetricName.GAPS, COUNT, 1)
            logger.warning(
                "mentions between the cursor and the oldest one read are unreachable for now",
                extra={"from_id": gap.from_id, "to_id": gap.to_id, "reason": gap.reason.value},
            )
            if chain.failure is None:
                # Check it now, while the post at its lower end is most likely still within X's reach:
                # a chain that was only long closes the gap for one read.
                self._fill(brand, gap, counts, summary)
        if chain.mentions:
            reading.backlog.extend(chain.ascending())
            newest = chain.newest()
            reading.cursor, reading.from_time = Cursor(newest.id, newest.created_at), newest.created_at
        # Rule 4 of the cadence: the mentions since the last read tell how fast they arrive.
        cadence = self.tuning.cadence
        arrived_since = reading.last_read_at or (
            now - timedelta(seconds=self.tuning.initial_lookback_seconds)
        )
        over_seconds = (now - arrived_since).total_seconds()
        burst = cadence.burst_interval(len(chain.mentions), over_seconds, self.tuning.reach_limit)
        if chain.failure is None:
            self._arrival_rates[brand.id] = len(chain.mentions) / max(over_seconds, 1e-3)
        if chain.truncated:
            # The chain reached X's reach: more arrived than could be read, so the count above is only a
            # floor of the rate. Read again as soon as the burst rule allows.
            burst = cadence.burst_min_interval_seconds
        bursting = burst is not None and burst < reading.interval
        previous_read_at = reading.last_read_at
        reading.last_read_at = now
        # In a burst, from the start of this read, not its end: a long chain (pages, the gap check) must
        # not stretch the time between reads, which is what X's reach limits.
        anchor = now if bursting else self.clock.now()
        reading.next_read_at = cadence.next_poll_at(anchor, reading.interval, reading.rate, burst)
        if chain.mentions or bursting:
            # One line per read that found something: how far apart reads are is what X's reach limits.
            logger.info(
                "mentions read",
                extra={
                    "read": len(chain.mentions),
                    "truncated": chain.truncated,
                    "since_last_read_seconds": (
                        round((now - previous_read_at).total_seconds(), 2) if previous_read_at else None
                    ),
                    "chain_seconds": round((self.clock.now() - now).total_seconds(), 2),
                    "next_read_in_seconds": round((reading.next_read_at - now).total_seconds(), 2),
                    "bursting": bursting,
                },
            )

    def _write_next_batch(
        self, brand: Brand, reading: _Reading, counts: _Counts, summary: PollSummary
    ) -> bool:
        """Store the oldest batch of the backlog and move the cursor to it; False when out of time."""
        if (
            reading.written
            and self._stop_writing_at is not None
            and self.clock.now() >= self._stop_writing_at
        ):
            logger.warning(
                "out of time; the rest of the chain is read again by the next run",
                extra={"written": reading.written, "read": reading.written + len(reading.backlog)},
            )
            return False
        size = max(1, self.tuning.write_batch)
        batch, reading.backlog[:size] = reading.backlog[:size], []
        # While the batch is in the write pool, a read that falls due happens on time: slow storage must
        # not stretch the time between reads, which is what X's reach limits.
        self._store_mentions(
            brand,
            batch,
            counts,
            summary,
            meanwhile=partial(self._read_when_due, brand, reading, counts, summary),
        )
        last = batch[-1]
        self.store.advance_cursor(brand.id, Cursor(last.id, last.created_at))
        reading.written += len(batch)
        return True

    def _read_when_due(
        self, brand: Brand, reading: _Reading, counts: _Counts, summary: PollSummary
    ) -> float | None:
        """Read if the next read is due; the seconds until it is, or None once no read may follow (a
        failed read, or a run past the time it may write in: what it read would only be read again)."""
        if reading.failure is not None:
            return None
        now = self.clock.now()
        if self._stop_writing_at is not None and now >= self._stop_writing_at:
            return None
        if now >= reading.next_read_at:
            self._read_more(brand, reading, counts, summary)
            if reading.failure is not None:
                return None
        return max(0.01, (reading.next_read_at - self.clock.now()).total_seconds())

    def _read_chain(self, brand: Brand, query: MentionsQuery, floor: int, counts: _Counts) -> _Chain:
        chain = _Chain()
        token: str | None = None
        returned = 0
        for _ in range(self.tuning.max_pages):
            try:
                page = self.x.read_mentions(brand, replace(query, pagination_token=token))
            except XError as exc:
                chain.failure = exc
                return chain
            counts.reads += page.reads
            chain.rate = page.rate or chain.rate
            returned += len(page.mentions)
            for mention in page.mentions:
                if mention.number > floor:  # since_id is exclusive; never trust a page to honour it
                    chain.mentions.setdefault(mention.id, mention)
                else:
                    chain.reached_floor = True
            if not page.next_token:
                # X also ends the chain where its reach ends, with no sign of it but the length. The reach
                # slides while the chain is paged (newer mentions push the oldest out), and "~800" counts
                # posts since deleted or withheld: a chain longer than `cut_fraction` of the reach may
                # have lost its oldest end. The gap's time-window check settles it, for one read if not.
                chain.truncated = returned >= self.tuning.reach_limit * self.tuning.cut_fraction
                return chain
            token = page.next_token
        chain.truncated = True
        return chain

    def _batches(self, items: Sequence[T]) -> Iterable[Sequence[T]]:
        """Consecutive slices of `write_batch`; stops early once the run must wind down (hard deadline)."""
        size = max(1, self.tuning.write_batch)
        for start in range(0, len(items), size):
            if start and self._stop_writing_at is not None and self.clock.now() >= self._stop_writing_at:
                logger.warning(
                    "out of time; the rest of the chain is read again by the next run",
                    extra={"written": start, "read": len(items)},
                )
                return
            yield items[start : start + size]

    # ------------------------------------------------------------------ storing and handing off mentions
    def _store_mentions(
        self,
        brand: Brand,
        mentions: Sequence[Mention],
        counts: _Counts,
        summary: PollSummary,
        meanwhile: Callable[[], float | None] | None = None,
    ) -> list[IngestedMention]:
        """Store mentions, each once; returns the newly stored ones (the pending ones among them are
        handed off by `_hand_off_pending`). `meanwhile` runs on this thread while the writes are in
        the pool (see `_concurrently`).

        Of posts with the same author and text, the oldest is the one that counts and the others are
        repeats, so each such group is written oldest first; different groups are written concurrently.
        """
        window = timedelta(seconds=_repeat_window(brand, self.tuning.repeat_window_seconds))
        groups: dict[tuple[str, ...], list[tuple[Mention, SkipReason | None]]] = {}
        for mention in sorted(mentions, key=lambda m: m.number):
            reason = None if mention.unreadable else obvious_noise(mention, brand)
            if reason is None and window > timedelta(0) and not mention.unreadable:
                key: tuple[str, ...] = (mention.author.id, text_fingerprint(mention.text))
            else:
                key = ("id", mention.id)
            groups.setdefault(key, []).append((mention, reason))

        def write(group: list[tuple[Mention, SkipReason | None]]) -> list[tuple[IngestedMention, bool]]:
            written = []
            for mention, reason in group:
                if mention.unreadable:
                    status = MentionStatus.UNREADABLE  # quarantined: stored raw, never triaged
                elif reason is None and window > timedelta(0):
                    first = self.store.claim_text(
                        brand.id,
                        mention.author.id,
                        text_fingerprint(mention.text),
                        mention.id,
                        mention.created_at,
                        window,
                    )
                    reason = None if first else SkipReason.REPEAT
                if not mention.unreadable:
                    status = MentionStatus.SKIPPED if reason else MentionStatus.PENDING
                record = IngestedMention(
                    brand_id=brand.id,
                    mention=mention,
                    status=status,
                    skip_reason=reason,
                    ingested_at=self.clock.now(),
                )
                try:
                    self.store.put_mention(record)
                except AlreadyIngested:
                    written.append((record, False))
                    continue
                written.append((record, True))
            return written

        tasks = [partial(write, g) for g in groups.values()]
        results = [r for rs in self._concurrently(tasks, meanwhile) for r in rs]
        stored: list[IngestedMention] = []
        for record, new in sorted(results, key=lambda r: r[0].mention.number):
            if not new:
                summary.duplicates += 1
                continue
            stored.append(record)
            if record.status is MentionStatus.UNREADABLE:
                summary.unreadable += 1
                self.metrics.add_metric(MetricName.UNREADABLE_POSTS, COUNT, 1)
                logger.error(
                    "a post X sent cannot be read: stored raw as unreadable, the cursor moves past it",
                    extra={"tweet_id": record.mention.id, "reason": record.mention.unreadable},
                )
            elif record.status is MentionStatus.SKIPPED:
                counts.skipped += 1
            else:
                counts.ingested += 1
                counts.lags.append(max(0.0, (record.ingested_at - record.mention.created_at).total_seconds()))
        self._queue(brand, Feed.MENTIONS, stored)
        return stored

    def _hand_off_mentions(
        self, records: Iterable[IngestedMention], summary: PollSummary, until: datetime
    ) -> list[bool]:
        pending = [r for r in records if r.status is MentionStatus.PENDING]

        def hand_off(record: IngestedMention) -> bool:
            if self.clock.now() >= until:
                return False
            try:
                self.handoff.start(record)
            except HandoffFailed as exc:
                _handoff_failed(record.mention.id, exc)
                return False
            self.store.mark_handed_off(record.brand_id, record.mention.id, self.clock.now())
            return True

        done = self._concurrently([partial(hand_off, r) for r in pending])
        summary.handed_off += sum(done)
        return done

    def _queue(self, brand: Brand, feed: Feed, records: Iterable[IngestedMention | IngestedDm]) -> None:
        handoffs = self._handoffs.get((brand.id, feed))
        if handoffs is not None:  # None: a store outside a run (tests of the parts)
            handoffs.add(r for r in records if r.status is MentionStatus.PENDING)

    def _queue_from_store(self, brand: Brand, feed: Feed, summary: PollSummary) -> None:
        """Queue what the store holds pending (left by a dead run, or refused by Step Functions)."""
        handoffs = self._handoffs[(brand.id, feed)]
        batch = self.tuning.handoff_batch
        try:
            if feed is Feed.MENTIONS:
                found: Sequence[IngestedMention | IngestedDm] = self.store.pending_handoffs(brand.id, batch)
            else:
                found = self.store.pending_dm_handoffs(brand.id, batch)
        except Exception as exc:  # polling goes on; the next run looks again
            handoffs.more_in_store = False
            self._error(summary, f"reading the pending {feed.value} failed", exc)
            return
        handoffs.add(found)
        handoffs.more_in_store = len(found) >= batch

    def _hand_off_pending(
        self, feeds: Sequence[tuple[Brand, Feed]], until: datetime, summary: PollSummary
    ) -> None:
        """Start triage for what the feeds have pending, oldest first, until `until` (the next poll)."""
        for brand, feed in feeds:
            handoffs = self._handoffs[(brand.id, feed)]
            while self.clock.now() < until:
                if not handoffs.queue:
                    if not handoffs.more_in_store:
                        break
                    self._queue_from_store(brand, feed, summary)
                    continue
                chunk = handoffs.oldest(self.tuning.handoff_batch)
                try:
                    if feed is Feed.MENTIONS:
                        done = self._hand_off_mentions(chunk, summary, until)  # type: ignore[arg-type]
                    else:
                        done = self._hand_off_dms(chunk, summary, until)  # type: ignore[arg-type]
                except Exception as exc:  # they stay pending in the store; the next run queues them again
                    self._error(summary, f"handing off pending {feed.value} failed", exc)
                    handoffs.queue.clear()
                    handoffs.more_in_store = False
                    break
                for record, started in zip(chunk, done, strict=True):
                    if started:
                        del handoffs.queue[_message_id(record)]
                if not all(done):  # Step Functions refused, or time is up: later
                    break

    # ------------------------------------------------------------------ DMs
    def _attempt_dms(
        self, brand: Brand, state: PollState, counts: _Counts, summary: PollSummary, started: datetime
    ) -> PollState:
        try:
            chain = self._ingest_dms(brand, state, counts, summary)
        except XRateLimited as exc:
            return self._blocked(state, exc, started, summary)
        except XError as exc:
            self._error(summary, "reading DM events failed", exc)
            return self._failed(state, exc, started, state.rate)
        rate = chain.rate or state.rate
        if isinstance(chain.failure, XRateLimited):
            return self._blocked(state, chain.failure, started, summary)
        if chain.failure is not None:
            self._error(summary, "a page of DM events failed; the next poll reads them again", chain.failure)
            return self._failed(state, chain.failure, started, rate)
        self.metrics.add_metric(MetricName.DM_POLL_SUCCEEDED, COUNT, 1)
        cadence = self.tuning.cadence
        interval = cadence.base_interval(bool(chain.events), state.interval_seconds)
        now = self.clock.now()
        return PollState(
            next_poll_at=cadence.next_poll_at(now, interval, rate),
            interval_seconds=interval,
            rate=rate,
            last_polled_at=started,
            last_success_at=now,
            # What arrived since the last poll sizes the next first page; a brand's first poll read its
            # lookback, which says nothing about that.
            found=len(chain.events) if chain.had_cursor else 0,
        )

    def _ingest_dms(self, brand: Brand, state: PollState, counts: _Counts, summary: PollSummary) -> _DmChain:
        cursor = self.store.get_dm_cursor(brand.id)
        if cursor is None:
            since: datetime | None = self.clock.now() - timedelta(
                seconds=self.tuning.initial_lookback_seconds
            )
            chain = self._read_dm_chain(brand, 0, since, self.tuning.page_size, counts)
            chain.had_cursor = False
        else:
            # Every event X returns is billed, and a DM page cannot start at the cursor: ask for about as
            # many as arrived last time, plus one to meet the cursor; the pages after grow from there.
            first_page = min(self.tuning.page_size, state.found + 1)
            chain = self._read_dm_chain(brand, cursor.number, None, first_page, counts)
        if not chain.events:
            if chain.failure is not None:
                raise chain.failure
            return chain
        # Without since_id or time windows for DM events, a hole cannot be read later: only a chain that
        # reached the cursor may move it. One that failed is stored as far as it got and read again.
        may_advance = chain.failure is None
        if chain.truncated:
            self._error(
                summary,
                "more DMs arrived since the last poll than one poll pages through; older ones were skipped",
                XError(f"DM chain cut after {self.tuning.max_pages} pages, above {cursor}"),
            )
        for batch in self._batches(chain.ascending()):
            self._store_dms(brand, batch, counts, summary)
            if may_advance:
                last = batch[-1]
                self.store.advance_dm_cursor(brand.id, Cursor(last.id, last.created_at))
        return chain

    def _read_dm_chain(
        self, brand: Brand, floor: int, since: datetime | None, page_size: int, counts: _Counts
    ) -> _DmChain:
        assert self.dms is not None
        chain = _DmChain()
        token: str | None = None
        size = max(1, page_size)
        for _ in range(self.tuning.max_pages):
            try:
                page = self.dms.read_dm_events(brand, token, size)
            except XError as exc:
                chain.failure = exc
                return chain
            counts.reads += page.reads
            chain.rate = page.rate or chain.rate
            reached = False
            for event in page.events:
                if event.number > floor and (since is None or event.created_at >= since):
                    chain.events.setdefault(event.id, event)
                else:
                    reached = True
            if reached or not page.next_token:
                return chain
            token = page.next_token
            size = min(self.tuning.page_size, size * 2)
        chain.truncated = True
        return chain

    def _store_dms(
        self, brand: Brand, events: Sequence[DirectMessage], counts: _Counts, summary: PollSummary
    ) -> list[IngestedDm]:
        def write(event: DirectMessage) -> tuple[IngestedDm, bool]:
            own = event.sender.id == brand.user_id
            record = IngestedDm(
                brand_id=brand.id,
                dm=event,
                status=MentionStatus.SKIPPED if own else MentionStatus.PENDING,
                skip_reason=SkipReason.OWN_MESSAGE if own else None,
                ingested_at=self.clock.now(),
            )
            try:
                self.store.put_dm(record)
            except AlreadyIngested:
                return record, False
            return record, True

        stored: list[IngestedDm] = []
        for record, new in self._concurrently([partial(write, e) for e in events]):
            if not new:
                summary.duplicates += 1
                continue
            stored.append(record)
            if record.status is MentionStatus.SKIPPED:
                counts.skipped += 1
            else:
                counts.ingested += 1
                counts.lags.append(max(0.0, (record.ingested_at - record.dm.created_at).total_seconds()))
        self._queue(brand, Feed.DMS, stored)
        return stored

    def _hand_off_dms(
        self, records: Iterable[IngestedDm], summary: PollSummary, until: datetime
    ) -> list[bool]:
        pending = [r for r in records if r.status is MentionStatus.PENDING]

        def hand_off(record: IngestedDm) -> bool:
            if self.clock.now() >= until:
                return False
            try:
                self.handoff.start_dm(record)
            except HandoffFailed as exc:
                _handoff_failed(record.dm.id, exc)
                return False
            self.store.mark_dm_handed_off(record.brand_id, record.dm.id, self.clock.now())
            return True

        done = self._concurrently([partial(hand_off, r) for r in pending])
        summary.handed_off += sum(done)
        return done

    # ------------------------------------------------------------------ gaps
    def _backfill_gaps(self, brand: Brand, counts: _Counts, summary: PollSummary) -> XRateLimited | None:
        now = self.clock.now()
        retry = timedelta(seconds=self.tuning.gap_retry_seconds)
        for gap in self.store.open_gaps(brand.id):
            if gap.last_attempt_at is not None and now - gap.last_attempt_at < retry:
                continue
            blocked = self._fill(brand, gap, counts, summary)
            if blocked is not None:
                return blocked
        return None

    def _fill(self, brand: Brand, gap: Gap, counts: _Counts, summary: PollSummary) -> XRateLimited | None:
        """Time-window queries over the gap; a window can hold more than X's reach, so keep narrowing
        while each query recovers something."""
        while gap.status is GapStatus.OPEN and gap.attempts < self.tuning.gap_max_attempts:
            recovered_before = gap.recovered
            gap, blocked = self._backfill(brand, gap, counts, summary)
            if blocked is not None:
                return blocked
            if gap.recovered == recovered_before:
                break
        return None

    def _backfill(
        self, brand: Brand, gap: Gap, counts: _Counts, summary: PollSummary
    ) -> tuple[Gap, XRateLimited | None]:
        """One time-window query over the gap. The window starts at the cursor post itself, so seeing
        that post again proves the chain reached back across the whole gap."""
        # X takes whole seconds: the window is widened to the enclosing seconds, and ids (which X prefers
        # to times) keep the posts already stored in those seconds out of the bill: until_id at the upper
        # end, and since_id one below the cursor post at the lower, so that the post itself comes back.
        start = gap.from_time.replace(microsecond=0)
        end = gap.to_time.replace(microsecond=0) + timedelta(seconds=1)
        below = int(gap.from_id) - 1
        query = MentionsQuery(
            since_id=str(below) if below > 0 else None,
            start_time=start,
            end_time=end,
            until_id=gap.to_id,
            max_results=self.tuning.page_size,
        )
        chain = self._read_chain(brand, query, int(gap.from_id), counts)
        found = [m for m in chain.ascending() if gap.contains(m.id)]
        stored = self._store_mentions(brand, found, counts, summary)
        now = self.clock.now()
        progress = replace(
            gap, attempts=gap.attempts + 1, recovered=gap.recovered + len(stored), last_attempt_at=now
        )
        complete = chain.failure is None and not chain.truncated
        # Before any cursor there is no post to reach back to; a complete window is the best evidence.
        if complete and (chain.reached_floor or int(gap.from_id) == 0):
            progress = replace(progress, status=GapStatus.CLOSED, closed_at=now)
            summary.gaps_closed += 1
            logger.info(
                "gap closed",
                extra={"from_id": gap.from_id, "to_id": gap.to_id, "recovered": progress.recovered},
            )
        elif found:
            oldest = found[0]
            progress = replace(progress, to_id=oldest.id, to_time=oldest.created_at)
        self.store.save_gap(progress)
        return progress, chain.failure if isinstance(chain.failure, XRateLimited) else None

    # ------------------------------------------------------------------ concurrency
    def _concurrently(
        self, tasks: Sequence[Callable[[], T]], meanwhile: Callable[[], float | None] | None = None
    ) -> list[T]:
        """Run `tasks` on the write pool and return their results in order, after all have finished; the
        first failure is raised then. With `write_concurrency` 1 they simply run one after another.

        While tasks are in the pool, this thread calls `meanwhile` (which returns how many seconds until
        it wants calling again, or None for never), so that work on a schedule is not held up by them.
        Every task's result is awaited either way: nothing written is left unaccounted for."""
        if self.tuning.write_concurrency <= 1 or not tasks or (len(tasks) == 1 and meanwhile is None):
            return [task() for task in tasks]
        with self._pool_lock:
            if self._pool is None:  # kept for the warm container's next invocations
                self._pool = ThreadPoolExecutor(self.tuning.write_concurrency, thread_name_prefix="ingest")
            pool = self._pool
        futures = [pool.submit(task) for task in tasks]
        unfinished = set(futures)
        while meanwhile is not None and unfinished:
            pause = meanwhile()
            if pause is None:
                break
            _, unfinished = wait(unfinished, timeout=pause, return_when=FIRST_EXCEPTION)
            if any(f.done() and f.exception() is not None for f in futures):
                break
        wait(futures)
        return [f.result() for f in futures]

    # ------------------------------------------------------------------ outcomes
    def _blocked(
        self, state: PollState, exc: XRateLimited, started: datetime, summary: PollSummary
    ) -> PollState:
        summary.rate_limited += 1
        now = self.clock.now()
        reset_at = (
            # A reset already past (clock skew, or the window just rolled over): wait one short interval.
            exc.reset_at
            if exc.reset_at > now
            else now + timedelta(seconds=self.tuning.cadence.min_interval_seconds)
        )
        logger.warning(
            "X rate limit reached; no request before the reset", extra={"reset_at": reset_at.isoformat()}
        )
        limit = state.rate.limit if state.rate else 0
        return replace(
            state,
            blocked_until=reset_at,
            next_poll_at=reset_at,
            rate=RateLimit(limit=limit, remaining=0, reset_at=reset_at),
            last_polled_at=started,
        )

    def _failed(
        self, state: PollState, exc: BaseException, started: datetime, rate: RateLimit | None
    ) -> PollState:
        errors = state.consecutive_errors + 1
        interval = self.tuning.cadence.error_interval(errors)
        now = self.clock.now()
        return replace(
            state,
            next_poll_at=self.tuning.cadence.next_poll_at(now, interval, rate),
            interval_seconds=interval,
            rate=rate,
            last_polled_at=started,
            consecutive_errors=errors,
            last_error=f"{type(exc).__name__}: {exc}"[:500],
        )

    def _error(self, summary: PollSummary, message: str, exc: BaseException) -> None:
        summary.errors += 1
        self.metrics.add_metric(MetricName.POLL_ERRORS, COUNT, 1)
        logger.error(
            message,
            extra={"error": f"{type(exc).__name__}: {exc}"},
            exc_info=not isinstance(exc, (XError, InvalidBrand)),
        )

    def _emit(self, feed: Feed, counts: _Counts) -> None:
        reads, ingested, skipped, lag = _METRICS[feed]
        self.metrics.add_metric(reads, COUNT, counts.reads)
        self.metrics.add_metric(ingested, COUNT, counts.ingested)
        self.metrics.add_metric(skipped, COUNT, counts.skipped)
        for value in counts.lags:
            self.metrics.add_metric(lag, SECONDS, value)


def _handoff_failed(message_id: str, exc: HandoffFailed) -> None:
    logger.warning(
        "triage not started; retried at the next poll", extra={"id": message_id, "error": str(exc)}
    )


def _message_id(record: IngestedMention | IngestedDm) -> str:
    return record.mention.id if isinstance(record, IngestedMention) else record.dm.id


def _due_at(state: PollState) -> datetime:
    return max(t or _EPOCH for t in (state.next_poll_at, state.blocked_until))


def _next_due(states: dict[tuple[str, Feed], PollState]) -> datetime:
    return min((_due_at(state) for state in states.values()), default=_EPOCH)


def _repeat_window(brand: Brand, default: float) -> float:
    value = brand.config.repeat_window_seconds
    return default if value is None else value
