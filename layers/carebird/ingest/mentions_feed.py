"""Polling a brand's mentions: read newest first down to the cursor, write oldest first in batches.

The cursor moves to the newest id of a batch only after every mention up to it is stored, and only
forwards; a run that dies before that re-reads the same range next time, and the writes dedupe it.
Reading X is what cannot wait (a burst passes X's reach): while writes take longer than the cadence
allows between reads, reads go on on schedule, and what they read joins the backlog.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial

from carebird.brands import Brand
from carebird.ingest.chains import mentions_chain
from carebird.ingest.context import COUNT, RunContext
from carebird.ingest.gaps import GapFiller
from carebird.ingest.model import (
    Cursor,
    Feed,
    Gap,
    GapReason,
    IngestedMention,
    Mention,
    MentionsQuery,
    MentionStatus,
    PollState,
    RateLimit,
    SkipReason,
)
from carebird.ingest.noise import obvious_noise, text_fingerprint
from carebird.ingest.ports import MentionsReader
from carebird.ingest.summary import FeedCounts
from carebird.ingest.writes import MessageWriter
from carebird.metric_names import MetricName
from carebird.observability import logger
from carebird.ports.x import XError, XRateLimited

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


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


class MentionsFeed:
    """The mentions feed of one run: its readings, gap filling, and how fast each brand's mentions came."""

    feed = Feed.MENTIONS

    def __init__(self, ctx: RunContext, reader: MentionsReader, writer: MessageWriter) -> None:
        self._ctx = ctx
        self._reader = reader
        self._writer = writer
        self._gaps = GapFiller(ctx, reader, self.store, ctx.ports.mentions_search)
        self._arrival_rates: dict[str, float] = {}  # brand id -> mentions a second, by its last read
        self._resumed: set[str] = set()  # brands whose kept mentions this run has taken up

    def arrival_rate(self, brand_id: str) -> float:
        return self._arrival_rates.get(brand_id, 0.0)

    def poll(self, brand: Brand, state: PollState, counts: FeedCounts, started: datetime) -> PollState:
        """Read the mentions newer than the cursor and write them; while the writes take longer than
        the cadence allows between reads, keep reading on schedule (storage may be slower than X's
        reach allows), so a burst is read in time even when it is written late."""
        ctx = self._ctx
        cursor = ctx.cursor(brand.id, Feed.MENTIONS)
        lookback = timedelta(seconds=ctx.tuning.initial_lookback_seconds)
        reading = _Reading(
            cursor=cursor,
            from_time=cursor.created_at if cursor else ctx.clock.now() - lookback,
            rate=state.rate,
            last_read_at=state.last_success_at,
            interval=ctx.tuning.cadence.base_interval(True, state.interval_seconds),  # rule 2
        )
        kept = self._resume(brand, reading)
        self._read_more(brand, reading, counts)
        while reading.backlog:
            if reading.failure is None and ctx.clock.now() >= reading.next_read_at:
                self._read_more(brand, reading, counts)
            elif not self._write_next_batch(brand, reading, counts):
                break
        if reading.backlog or kept:
            # Out of time with mentions read and not written: kept for the next run, which writes them
            # first. Read again from X instead, a burst's oldest would be past its reach by then.
            ctx.store.keep_unwritten(brand.id, reading.backlog)
        # Triage comes after the cursor (see Handoffs): a crash while starting executions then costs no
        # second read of X.
        if isinstance(reading.failure, XRateLimited):
            return ctx.blocked(state, reading.failure, started)
        if reading.failure is not None:
            # What was read is stored and the rest is a recorded gap; still, X failed and it counts.
            message = (
                "a page of mentions failed; the rest is recorded as a gap"
                if reading.failed_after_reading
                else "reading mentions failed"
            )
            ctx.error(message, reading.failure)
            return ctx.failed(state, reading.failure, started, reading.rate)
        backfill = self._gaps.backfill(brand, counts, reading.rate)
        # A gauge, not a count: a gap left open shows on every poll until it closes (its alarm's rule).
        ctx.ports.metrics.add_metric(MetricName.GAPS_OPEN, COUNT, backfill.open_gaps)
        if backfill.blocked is not None:
            return ctx.blocked(state, backfill.blocked, started)
        ctx.succeeded(Feed.MENTIONS)
        return PollState(
            next_poll_at=reading.next_read_at,
            interval_seconds=reading.interval,
            rate=reading.rate,
            last_polled_at=started,
            last_success_at=reading.last_read_at,
        )

    def _resume(self, brand: Brand, reading: _Reading) -> bool:
        """Take up the mentions the last run read and could not write: they are written first, and X
        is read from the newest of them. Whether any were kept (written or not since)."""
        if brand.id in self._resumed:  # only a run out of time keeps any: its next run takes them up
            return False
        self._resumed.add(brand.id)
        kept = self._ctx.store.unwritten(brand.id)
        floor = reading.cursor.number if reading.cursor else 0
        backlog = sorted((m for m in kept if m.number > floor), key=lambda m: m.number)
        if backlog:
            newest = backlog[-1]
            reading.backlog = backlog
            reading.cursor, reading.from_time = Cursor(newest.id, newest.created_at), newest.created_at
            logger.info("first, what the last run read and could not write", extra={"kept": len(backlog)})
        return bool(kept)

    def _read_more(self, brand: Brand, reading: _Reading, counts: FeedCounts) -> None:
        """One chain of pages from the newest mention read so far; schedules the next read."""
        ctx, tuning = self._ctx, self._ctx.tuning
        now = ctx.clock.now()
        if reading.cursor is not None:
            query = MentionsQuery(since_id=reading.cursor.since_id, max_results=tuning.page_size)
            floor = reading.cursor.number
        else:
            query = MentionsQuery(start_time=reading.from_time, max_results=tuning.page_size)
            floor = 0
        chain = mentions_chain(self._reader, brand, query, floor, tuning, counts)
        reading.rate = chain.rate or reading.rate
        reading.failure = chain.failure
        reading.failed_after_reading = bool(chain.messages)
        if chain.messages and (chain.failure is not None or chain.truncated):
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
            ctx.store.record_gap(gap)
            ctx.summary.gaps += 1
            ctx.ports.metrics.add_metric(MetricName.GAPS, COUNT, 1)
            logger.warning(
                "mentions between the cursor and the oldest one read are unreachable for now",
                extra={"from_id": gap.from_id, "to_id": gap.to_id, "reason": gap.reason.value},
            )
            if chain.failure is None:
                # Check it now, while the post at its lower end is most likely still within X's reach:
                # a chain that was only long closes the gap for one read.
                self._gaps.fill(brand, gap, counts)
        if chain.messages:
            reading.backlog.extend(chain.ascending())
            newest = chain.newest()
            reading.cursor, reading.from_time = Cursor(newest.id, newest.created_at), newest.created_at
        # Rule 4 of the cadence: the mentions since the last read tell how fast they arrive.
        cadence = tuning.cadence
        arrived_since = reading.last_read_at or (now - timedelta(seconds=tuning.initial_lookback_seconds))
        over_seconds = (now - arrived_since).total_seconds()
        burst = cadence.burst_interval(len(chain.messages), over_seconds, tuning.reach_limit)
        if chain.failure is None:
            self._arrival_rates[brand.id] = len(chain.messages) / max(over_seconds, 1e-3)
        if chain.truncated:
            # The chain reached X's reach: more arrived than could be read, so the count above is only a
            # floor of the rate. Read again as soon as the burst rule allows.
            burst = cadence.burst_min_interval_seconds
        bursting = burst is not None and burst < reading.interval
        previous_read_at = reading.last_read_at
        reading.last_read_at = now
        # In a burst, from the start of this read, not its end: a long chain (pages, the gap check) must
        # not stretch the time between reads, which is what X's reach limits.
        anchor = now if bursting else ctx.clock.now()
        reading.next_read_at = cadence.next_poll_at(anchor, reading.interval, reading.rate, burst)
        if chain.messages or bursting:
            # One line per read that found something: how far apart reads are is what X's reach limits.
            logger.info(
                "mentions read",
                extra={
                    "read": len(chain.messages),
                    "truncated": chain.truncated,
                    "since_last_read_seconds": (
                        round((now - previous_read_at).total_seconds(), 2) if previous_read_at else None
                    ),
                    "chain_seconds": round((ctx.clock.now() - now).total_seconds(), 2),
                    "next_read_in_seconds": round((reading.next_read_at - now).total_seconds(), 2),
                    "bursting": bursting,
                },
            )

    def _write_next_batch(self, brand: Brand, reading: _Reading, counts: FeedCounts) -> bool:
        """Store the oldest batch of the backlog and move the cursor to it; False when out of time."""
        ctx = self._ctx
        if reading.written and ctx.out_of_time():
            logger.warning(
                "out of time; what is read and not written is kept for the next run",
                extra={"written": reading.written, "read": reading.written + len(reading.backlog)},
            )
            return False
        size = max(1, ctx.tuning.write_batch)
        batch, reading.backlog[:size] = reading.backlog[:size], []
        # While the batch is in the write pool, a read that falls due happens on time: slow storage must
        # not stretch the time between reads, which is what X's reach limits.
        self.store(brand, batch, counts, meanwhile=partial(self._read_when_due, brand, reading, counts))
        last = batch[-1]
        ctx.advance_cursor(brand.id, Feed.MENTIONS, Cursor(last.id, last.created_at))
        reading.written += len(batch)
        return True

    def _read_when_due(self, brand: Brand, reading: _Reading, counts: FeedCounts) -> float | None:
        """Read if the next read is due; the seconds until it is, or None once no read may follow (a
        failed read, or a run past the time it may write in: what it read would only be read again)."""
        if reading.failure is not None or self._ctx.out_of_time():
            return None
        if self._ctx.clock.now() >= reading.next_read_at:
            self._read_more(brand, reading, counts)
            if reading.failure is not None:
                return None
        return max(0.01, (reading.next_read_at - self._ctx.clock.now()).total_seconds())

    def store(
        self,
        brand: Brand,
        mentions: Sequence[Mention],
        counts: FeedCounts,
        meanwhile: Callable[[], float | None] | None = None,
    ) -> list[IngestedMention]:
        """Store mentions, each once; returns the newly stored ones.

        Of posts with the same author and text, the oldest is the one that counts and the others are
        repeats, so each such group is written oldest first; different groups are written concurrently.
        """
        window = timedelta(seconds=_repeat_window(brand, self._ctx.tuning.repeat_window_seconds))
        groups: dict[tuple[str, ...], list[Callable[[], IngestedMention]]] = {}
        for mention in sorted(mentions, key=lambda m: m.number):
            reason = None if mention.unreadable else obvious_noise(mention, brand)
            if reason is None and window > timedelta(0) and not mention.unreadable:
                key: tuple[str, ...] = (mention.author.id, text_fingerprint(mention.text))
            else:
                key = ("id", mention.id)
            groups.setdefault(key, []).append(partial(self._record, brand, mention, reason, window))
        return self._writer.store(brand, Feed.MENTIONS, list(groups.values()), counts, meanwhile)

    def _record(
        self, brand: Brand, mention: Mention, reason: SkipReason | None, window: timedelta
    ) -> IngestedMention:
        """The mention as it is stored: work, noise, a repeat (the store says whether its text was seen
        within the window), or unreadable (quarantined: stored raw, never triaged)."""
        if mention.unreadable:
            status = MentionStatus.UNREADABLE
        else:
            if reason is None and window > timedelta(0):
                first = self._ctx.store.claim_text(
                    brand.id,
                    mention.author.id,
                    text_fingerprint(mention.text),
                    mention.id,
                    mention.created_at,
                    window,
                )
                reason = None if first else SkipReason.REPEAT
            status = MentionStatus.SKIPPED if reason else MentionStatus.PENDING
        return IngestedMention(
            brand_id=brand.id,
            mention=mention,
            status=status,
            skip_reason=reason,
            ingested_at=self._ctx.clock.now(),
        )


def _repeat_window(brand: Brand, default: float) -> float:
    value = brand.config.repeat_window_seconds
    return default if value is None else value
