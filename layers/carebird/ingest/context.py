"""What every part of one poll run shares: the long-lived ports, and the run's summary and deadline.

`PollPorts` lives as long as the warm container; a `RunContext` is made per invocation, so nothing one
run counts or decides (its summary, when it must stop writing) leaks into the next.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TypeVar

from carebird.brands import InvalidBrand
from carebird.ingest.model import Cursor, Feed, PollState, RateLimit
from carebird.ingest.pool import WritePool
from carebird.ingest.ports import (
    Clock,
    DmReader,
    IngestStore,
    MentionsReader,
    MentionsSearch,
    MetricsSink,
    SpendBudgets,
    TriageHandoff,
)
from carebird.ingest.summary import FEED_METRICS, FeedCounts, PollSummary
from carebird.ingest.tuning import PollTuning
from carebird.metric_names import MetricName
from carebird.observability import logger
from carebird.ports.x import XError, XRateLimited

COUNT = "Count"
SECONDS = "Seconds"
T = TypeVar("T")


@dataclass(frozen=True)
class PollPorts:
    store: IngestStore
    mentions: MentionsReader
    dms: DmReader | None  # None: DMs are not read (a deployment whose X app lacks DM access)
    handoff: TriageHandoff
    metrics: MetricsSink
    clock: Clock
    tuning: PollTuning
    pool: WritePool
    spend: SpendBudgets | None = None
    # X's recent search for the brand's mentions: what gaps read once the timeline no longer serves them.
    # None: such gaps are marked lost to X.
    mentions_search: MentionsSearch | None = None


@dataclass
class RunContext:
    ports: PollPorts
    # The hard deadline: a feed still writing then stops after its current batch.
    stop_writing_at: datetime
    summary: PollSummary = field(default_factory=PollSummary)
    # Each feed's cursor after its last stored batch, saved with the round's poll states (`take_cursors`).
    cursors: dict[tuple[str, Feed], Cursor] = field(default_factory=dict)
    # Each feed's cursor as stored, as far as this run knows (the lease's write read it back, and the run
    # holding the lease is the one that moves it): `cursor` reads the store only for a feed missing here.
    stored_cursors: dict[tuple[str, Feed], Cursor | None] = field(default_factory=dict)

    @property
    def store(self) -> IngestStore:
        return self.ports.store

    @property
    def clock(self) -> Clock:
        return self.ports.clock

    @property
    def tuning(self) -> PollTuning:
        return self.ports.tuning

    @property
    def pool(self) -> WritePool:
        return self.ports.pool

    def cursor(self, brand_id: str, feed: Feed) -> Cursor | None:
        """The feed's stored cursor, where its next poll starts. If a run whose lease ran out moved it
        further meanwhile, reading from here reads some mentions again, and storing them is refused."""
        key = (brand_id, feed)
        if key not in self.stored_cursors:
            self.stored_cursors[key] = self.store.get_cursor(brand_id, feed)
        return self.stored_cursors[key]

    def cursors_saved(self, brand_id: str, cursors: dict[Feed, Cursor]) -> None:
        self.stored_cursors.update({(brand_id, feed): cursor for feed, cursor in cursors.items()})

    def advance_cursor(self, brand_id: str, feed: Feed, cursor: Cursor) -> None:
        """The feed's cursor once a batch up to it is stored. Saved in the write that saves the round's
        poll states, before any of it is handed to triage; a later batch of the same poll first saves
        this one, so a long poll keeps its progress as it goes. A run that dies before reads the
        stored messages again, and storing them again is refused (exactly once)."""
        key = (brand_id, feed)
        earlier = self.cursors.get(key)
        if earlier is not None:
            if self.store.advance_cursor(brand_id, feed, earlier):
                self.stored_cursors[key] = earlier
            else:  # already further: read it again when needed
                self.stored_cursors.pop(key, None)
        self.cursors[key] = cursor

    def take_cursors(self, brand_id: str) -> dict[Feed, Cursor]:
        """The brand's cursors not saved yet, for the write of its poll states."""
        taken = {feed: cursor for (b, feed), cursor in self.cursors.items() if b == brand_id}
        for feed in taken:
            del self.cursors[(brand_id, feed)]
        return taken

    def out_of_time(self) -> bool:
        return self.clock.now() >= self.stop_writing_at

    def batches(self, items: Sequence[T]) -> Iterable[Sequence[T]]:
        """Consecutive slices of `write_batch`; stops early once the run must wind down (hard deadline)."""
        size = max(1, self.tuning.write_batch)
        for start in range(0, len(items), size):
            if start and self.out_of_time():
                logger.warning(
                    "out of time; the rest of the chain is read again by the next run",
                    extra={"written": start, "read": len(items)},
                )
                return
            yield items[start : start + size]

    # ------------------------------------------------------------------ outcomes
    def succeeded(self, feed: Feed) -> None:
        self.ports.metrics.add_metric(FEED_METRICS[feed].succeeded, COUNT, 1)

    def blocked(self, state: PollState, exc: XRateLimited, started: datetime) -> PollState:
        """X said 429: no request for the feed before its reset."""
        self.summary.rate_limited += 1
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

    def failed(
        self, state: PollState, exc: BaseException, started: datetime, rate: RateLimit | None
    ) -> PollState:
        """The feed's poll failed: retried after a back-off that grows with each failure in a row."""
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

    def error(self, message: str, exc: BaseException) -> None:
        self.summary.errors += 1
        self.ports.metrics.add_metric(MetricName.POLL_ERRORS, COUNT, 1)
        logger.error(
            message,
            extra={"error": f"{type(exc).__name__}: {exc}"},
            exc_info=not isinstance(exc, (XError, InvalidBrand)),
        )

    def emit(self, feed: Feed, counts: FeedCounts) -> None:
        names, metrics = FEED_METRICS[feed], self.ports.metrics
        metrics.add_metric(names.reads, COUNT, counts.reads)
        metrics.add_metric(names.ingested, COUNT, counts.ingested)
        metrics.add_metric(names.skipped, COUNT, counts.skipped)
        for value in counts.lags:
            metrics.add_metric(names.lag, SECONDS, value)
        self.summary.add(feed, counts)
