"""Polling a brand's DMs: its inbox's events newest first until the cursor, written oldest first.

X has no since_id or time window for DM events, so a hole cannot be read later: only a chain that
reached the cursor may move it. A chain that fails midway is stored as far as it got and keeps its
cursor, so the next poll reads the whole range again (the writes dedupe it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial

from carebird.brands import Brand
from carebird.ingest.chains import Chain, dm_chain
from carebird.ingest.context import RunContext
from carebird.ingest.model import (
    Cursor,
    DirectMessage,
    Feed,
    IngestedDm,
    MentionStatus,
    PollState,
    SkipReason,
)
from carebird.ingest.ports import DmReader
from carebird.ingest.summary import FeedCounts
from carebird.ingest.writes import MessageWriter
from carebird.ports.x import XError, XRateLimited


class DmFeed:
    feed = Feed.DMS

    def __init__(self, ctx: RunContext, reader: DmReader, writer: MessageWriter) -> None:
        self._ctx = ctx
        self._reader = reader
        self._writer = writer

    def poll(self, brand: Brand, state: PollState, counts: FeedCounts, started: datetime) -> PollState:
        ctx = self._ctx
        try:
            chain, had_cursor = self._ingest(brand, state, counts)
        except XRateLimited as exc:
            return ctx.blocked(state, exc, started)
        except XError as exc:
            ctx.error("reading DM events failed", exc)
            return ctx.failed(state, exc, started, state.rate)
        rate = chain.rate or state.rate
        if isinstance(chain.failure, XRateLimited):
            return ctx.blocked(state, chain.failure, started)
        if chain.failure is not None:
            ctx.error("a page of DM events failed; the next poll reads them again", chain.failure)
            return ctx.failed(state, chain.failure, started, rate)
        ctx.succeeded(Feed.DMS)
        cadence = ctx.tuning.cadence
        interval = cadence.base_interval(bool(chain.messages), state.interval_seconds)
        now = ctx.clock.now()
        return PollState(
            next_poll_at=cadence.next_poll_at(now, interval, rate),
            interval_seconds=interval,
            rate=rate,
            last_polled_at=started,
            last_success_at=now,
            # What arrived since the last poll sizes the next first page; a brand's first poll read its
            # lookback, which says nothing about that.
            found=len(chain.messages) if had_cursor else 0,
        )

    def _ingest(
        self, brand: Brand, state: PollState, counts: FeedCounts
    ) -> tuple[Chain[DirectMessage], bool]:
        """Read the chain and store it; the chain, and whether the brand had a DM cursor."""
        ctx, tuning = self._ctx, self._ctx.tuning
        cursor = ctx.cursor(brand.id, Feed.DMS)
        if cursor is None:
            since = ctx.clock.now() - timedelta(seconds=tuning.initial_lookback_seconds)
            chain = dm_chain(self._reader, brand, 0, since, tuning.page_size, tuning, counts)
        else:
            # Every event X returns is billed, and a DM page cannot start at the cursor: ask for about as
            # many as arrived last time, plus one to meet the cursor; the pages after grow from there.
            first_page = min(tuning.page_size, state.found + 1)
            chain = dm_chain(self._reader, brand, cursor.number, None, first_page, tuning, counts)
        if not chain.messages:
            if chain.failure is not None:
                raise chain.failure
            return chain, cursor is not None
        # Without since_id or time windows for DM events, a hole cannot be read later: only a chain that
        # reached the cursor may move it. One that failed is stored as far as it got and read again.
        may_advance = chain.failure is None
        if chain.truncated:
            ctx.error(
                "more DMs arrived since the last poll than one poll pages through; older ones were skipped",
                XError(f"DM chain cut after {tuning.max_pages} pages, above {cursor}"),
            )
        for batch in ctx.batches(chain.ascending()):
            self.store(brand, batch, counts)
            if may_advance:
                last = batch[-1]
                ctx.advance_cursor(brand.id, Feed.DMS, Cursor(last.id, last.created_at))
        return chain, cursor is not None

    def store(self, brand: Brand, events: Sequence[DirectMessage], counts: FeedCounts) -> list[IngestedDm]:
        """Store DM events, each once: the brand's own for the record, the customers' as work."""
        groups = [[partial(self._record, brand, event)] for event in events]
        return self._writer.store(brand, Feed.DMS, groups, counts)

    def _record(self, brand: Brand, event: DirectMessage) -> IngestedDm:
        own = event.sender.id == brand.user_id
        return IngestedDm(
            brand_id=brand.id,
            dm=event,
            status=MentionStatus.SKIPPED if own else MentionStatus.PENDING,
            skip_reason=SkipReason.OWN_MESSAGE if own else None,
            ingested_at=self._ctx.clock.now(),
        )
