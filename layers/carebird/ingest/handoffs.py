"""Handing stored messages to triage: what this run stored, and what a dead run left pending.

A message is stored as pending in the same write that lists it as pending, handed to triage under a name
derived from its id (a second start of the same name is a no-op), and marked handed off afterwards.
Pending messages left by a dead run, or refused by Step Functions, are queued again from the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from carebird.brands import Brand
from carebird.ingest.context import RunContext
from carebird.ingest.model import Feed, IngestedMessage, MentionStatus
from carebird.ingest.ports import HandoffFailed, TriageHandoff
from carebird.observability import logger


@dataclass
class _Queue:
    """A feed's messages awaiting triage in this run, by message id."""

    records: dict[str, IngestedMessage] = field(default_factory=dict)
    more_in_store: bool = True  # the store may hold pending ones not queued yet

    def add(self, records: Iterable[IngestedMessage]) -> None:
        for record in records:
            self.records.setdefault(record.message_id, record)

    def oldest(self, n: int) -> list[IngestedMessage]:
        return sorted(self.records.values(), key=lambda r: r.number)[:n]


class Handoffs:
    """This run's hand-off queues, one per feed of each brand it polls."""

    def __init__(self, ctx: RunContext, handoff: TriageHandoff, feeds: Iterable[tuple[Brand, Feed]]) -> None:
        self._ctx = ctx
        self._handoff = handoff
        self._queues = {(brand.id, feed): _Queue() for brand, feed in feeds}

    def queue(self, brand: Brand, feed: Feed, records: Iterable[IngestedMessage]) -> None:
        """Queue the pending ones among messages just stored."""
        queue = self._queues.get((brand.id, feed))
        if queue is not None:  # None: a brand this run does not poll
            queue.add(r for r in records if r.status is MentionStatus.PENDING)

    def load(self, brand: Brand, feed: Feed) -> None:
        """Queue what the store holds pending (left by a dead run, or refused by Step Functions)."""
        queue = self._queues[(brand.id, feed)]
        batch = self._ctx.tuning.handoff_batch
        try:
            found = self._ctx.store.pending_handoffs(brand.id, feed, batch)
        except Exception as exc:  # polling goes on; the next run looks again
            queue.more_in_store = False
            self._ctx.error(f"reading the pending {feed.value} failed", exc)
            return
        queue.add(found)
        queue.more_in_store = len(found) >= batch

    def hand_off(self, feeds: Sequence[tuple[Brand, Feed]], until: datetime) -> None:
        """Start triage for what the feeds have pending, oldest first, until `until` (the next poll)."""
        clock = self._ctx.clock
        for brand, feed in feeds:
            queue = self._queues[(brand.id, feed)]
            while clock.now() < until:
                if not queue.records:
                    if not queue.more_in_store:
                        break
                    self.load(brand, feed)
                    continue
                chunk = queue.oldest(self._ctx.tuning.handoff_batch)
                try:
                    done = self._start(brand, chunk, until)
                except Exception as exc:  # they stay pending in the store; the next run queues them again
                    self._ctx.error(f"handing off pending {feed.value} failed", exc)
                    queue.records.clear()
                    queue.more_in_store = False
                    break
                for record, started in zip(chunk, done, strict=True):
                    if started:
                        del queue.records[record.message_id]
                if not all(done):  # Step Functions refused, or time is up: later
                    break

    def _start(self, brand: Brand, records: Iterable[IngestedMessage], until: datetime) -> list[bool]:
        ctx = self._ctx
        pending = [r for r in records if r.status is MentionStatus.PENDING]

        def start(record: IngestedMessage) -> bool:
            if ctx.clock.now() >= until:
                return False
            try:
                self._handoff.start(record, brand)
            except HandoffFailed as exc:
                logger.warning(
                    "triage not started; retried at the next poll",
                    extra={"id": record.message_id, "error": str(exc)},
                )
                return False
            ctx.store.mark_handed_off(record.brand_id, record.feed, record.message_id, ctx.clock.now())
            return True

        done = ctx.pool.run([partial(start, r) for r in pending])
        ctx.summary.handed_off += sum(done)
        return done
