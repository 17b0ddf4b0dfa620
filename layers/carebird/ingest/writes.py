"""Storing what a feed read: each message once, by a conditional write (`AlreadyIngested` is the normal
answer to a retry), counted, and queued for triage when it is work."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import TypeVar

from carebird.brands import Brand
from carebird.ingest.context import COUNT, RunContext
from carebird.ingest.handoffs import Handoffs
from carebird.ingest.model import Feed, IngestedMention, IngestedMessage, MentionStatus
from carebird.ingest.ports import AlreadyIngested
from carebird.ingest.summary import FeedCounts
from carebird.metric_names import MetricName
from carebird.observability import logger

R = TypeVar("R", bound=IngestedMessage)


class MessageWriter:
    def __init__(self, ctx: RunContext, handoffs: Handoffs) -> None:
        self._ctx = ctx
        self._handoffs = handoffs

    def store(
        self,
        brand: Brand,
        feed: Feed,
        groups: Sequence[Sequence[Callable[[], R]]],
        counts: FeedCounts,
        meanwhile: Callable[[], float | None] | None = None,
    ) -> list[R]:
        """Store the records the groups make, each group's in order (a record may depend on the ones
        before it, as a repeat does on the first post of its text), different groups concurrently; a
        record is made just before it is written. Returns the newly stored records, oldest first, and
        queues the pending ones among them for triage. `meanwhile` runs on this thread while the writes
        are in the pool (see `WritePool.run`)."""
        ctx = self._ctx

        def write(group: Sequence[Callable[[], R]]) -> list[tuple[R, bool]]:
            written = []
            for make in group:
                record = make()
                try:
                    ctx.store.put_message(record)
                except AlreadyIngested:
                    written.append((record, False))
                    continue
                written.append((record, True))
            return written

        results = [r for rs in ctx.pool.run([partial(write, g) for g in groups], meanwhile) for r in rs]
        stored: list[R] = []
        for record, new in sorted(results, key=lambda r: r[0].number):
            if not new:
                ctx.summary.duplicates += 1
                continue
            stored.append(record)
            if record.status is MentionStatus.UNREADABLE:
                self._unreadable(record)
            elif record.status is MentionStatus.SKIPPED:
                counts.skipped += 1
            else:
                counts.ingested += 1
                counts.lags.append(max(0.0, (record.ingested_at - record.message.created_at).total_seconds()))
        self._handoffs.queue(brand, feed, stored)
        return stored

    def _unreadable(self, record: IngestedMessage) -> None:
        self._ctx.summary.unreadable += 1
        self._ctx.ports.metrics.add_metric(MetricName.UNREADABLE_POSTS, COUNT, 1)
        logger.error(
            "a post X sent cannot be read: stored raw as unreadable, the cursor moves past it",
            extra={
                "tweet_id": record.message_id,
                "reason": record.mention.unreadable if isinstance(record, IngestedMention) else None,
            },
        )
