"""Filling the mentions X could not page back to: time-window queries over a recorded gap.

When X cannot page back to the mentions cursor (its ~800 reach, or a page that failed), the hole is
recorded as a gap before the cursor moves, then filled from a time-window query, now or in a later run.
DM events have no time-window query, so only the mentions feed has gaps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta

from carebird.brands import Brand
from carebird.ingest.chains import mentions_chain
from carebird.ingest.context import RunContext
from carebird.ingest.model import Gap, GapStatus, IngestedMention, Mention, MentionsQuery
from carebird.ingest.ports import MentionsReader
from carebird.ingest.summary import FeedCounts
from carebird.observability import logger
from carebird.ports.x import XRateLimited

# Stores mentions as the mentions feed does (noise, repeats) and returns the newly stored ones.
StoreMentions = Callable[[Brand, Sequence[Mention], FeedCounts], list[IngestedMention]]


class GapFiller:
    def __init__(self, ctx: RunContext, reader: MentionsReader, store_mentions: StoreMentions) -> None:
        self._ctx = ctx
        self._reader = reader
        self._store_mentions = store_mentions

    def backfill(self, brand: Brand, counts: FeedCounts) -> XRateLimited | None:
        """Fill the brand's open gaps not tried too recently; the 429 that stopped it, if one did."""
        now = self._ctx.clock.now()
        retry = timedelta(seconds=self._ctx.tuning.gap_retry_seconds)
        for gap in self._ctx.store.open_gaps(brand.id):
            if gap.last_attempt_at is not None and now - gap.last_attempt_at < retry:
                continue
            blocked = self.fill(brand, gap, counts)
            if blocked is not None:
                return blocked
        return None

    def fill(self, brand: Brand, gap: Gap, counts: FeedCounts) -> XRateLimited | None:
        """Time-window queries over the gap; a window can hold more than X's reach, so keep narrowing
        while each query recovers something."""
        while gap.status is GapStatus.OPEN and gap.attempts < self._ctx.tuning.gap_max_attempts:
            recovered_before = gap.recovered
            gap, blocked = self._window(brand, gap, counts)
            if blocked is not None:
                return blocked
            if gap.recovered == recovered_before:
                break
        return None

    def _window(self, brand: Brand, gap: Gap, counts: FeedCounts) -> tuple[Gap, XRateLimited | None]:
        """One time-window query over the gap. The window starts at the cursor post itself, so seeing
        that post again proves the chain reached back across the whole gap."""
        ctx = self._ctx
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
            max_results=ctx.tuning.page_size,
        )
        chain = mentions_chain(self._reader, brand, query, int(gap.from_id), ctx.tuning, counts)
        found = [m for m in chain.ascending() if gap.contains(m.id)]
        stored = self._store_mentions(brand, found, counts)
        now = ctx.clock.now()
        progress = replace(
            gap, attempts=gap.attempts + 1, recovered=gap.recovered + len(stored), last_attempt_at=now
        )
        complete = chain.failure is None and not chain.truncated
        # Before any cursor there is no post to reach back to; a complete window is the best evidence.
        if complete and (chain.reached_floor or int(gap.from_id) == 0):
            progress = replace(progress, status=GapStatus.CLOSED, closed_at=now)
            ctx.summary.gaps_closed += 1
            logger.info(
                "gap closed",
                extra={"from_id": gap.from_id, "to_id": gap.to_id, "recovered": progress.recovered},
            )
        elif found:
            oldest = found[0]
            progress = replace(progress, to_id=oldest.id, to_time=oldest.created_at)
        ctx.store.save_gap(progress)
        return progress, chain.failure if isinstance(chain.failure, XRateLimited) else None
