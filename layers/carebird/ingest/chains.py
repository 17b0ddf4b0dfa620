"""Reading a feed from X: one chain of pages, newest first, down to the cursor or as far as X allows.

One reader for both feeds; what differs is where X differs. Mentions take since_id and time windows,
so their chain runs to X's end of it, and X's ~800-post reach ends it with no sign but its length. DM
events take neither: their chain pages until an event at or below the cursor shows up, each page
larger than the one before (every event X returns is billed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Generic

from carebird.brands import Brand
from carebird.ingest.model import DirectMessage, DmQuery, M, Mention, MentionsQuery, Page, RateLimit
from carebird.ingest.ports import DmReader, MentionsReader
from carebird.ingest.summary import FeedCounts
from carebird.ingest.tuning import PollTuning
from carebird.ports.x import XError


@dataclass
class Chain(Generic[M]):
    """One chain of pages, newest first, as far back as X and the floor allow."""

    messages: dict[str, M] = field(default_factory=dict)
    rate: RateLimit | None = None
    failure: XError | None = None
    truncated: bool = False
    reached_floor: bool = False  # a message at or below the floor came back: nothing between is missing

    def ascending(self) -> list[M]:
        return sorted(self.messages.values(), key=lambda m: m.number)

    def oldest(self) -> M:
        return min(self.messages.values(), key=lambda m: m.number)

    def newest(self) -> M:
        return max(self.messages.values(), key=lambda m: m.number)


def read_chain(
    fetch: Callable[[str | None, int], Page[M]],
    counts: FeedCounts,
    *,
    floor: int,
    first_size: int,
    max_size: int,
    max_pages: int,
    since: datetime | None = None,
    stop_at_floor: bool = False,
    cut_at: float | None = None,
) -> Chain[M]:
    """Pages from `fetch(pagination_token, page_size)` until X has no more, keeping the messages above
    `floor` (and not older than `since`); with `stop_at_floor`, until one at or below it came back. A
    chain of more than `max_pages` is cut (`truncated`); so is one that X ended after `cut_at` messages
    or more, which may have lost its oldest end. A failed page ends the chain with what it read."""
    chain: Chain[M] = Chain()
    token: str | None = None
    size = first_size
    returned = 0
    for _ in range(max_pages):
        try:
            page = fetch(token, size)
        except XError as exc:
            chain.failure = exc
            return chain
        counts.reads += page.reads
        chain.rate = page.rate or chain.rate
        returned += len(page.messages)
        reached = False
        for message in page.messages:
            # Never trust a page to honour since_id (exclusive) or the time it was asked for.
            if message.number > floor and (since is None or message.created_at >= since):
                chain.messages.setdefault(message.id, message)
            else:
                reached = True
        chain.reached_floor = chain.reached_floor or reached
        if not page.next_token:
            chain.truncated = cut_at is not None and returned >= cut_at
            return chain
        if reached and stop_at_floor:
            return chain
        token = page.next_token
        size = min(max_size, size * 2)
    chain.truncated = True
    return chain


def mentions_chain(
    reader: MentionsReader,
    brand: Brand,
    query: MentionsQuery,
    floor: int,
    tuning: PollTuning,
    counts: FeedCounts,
) -> Chain[Mention]:
    """X ends a mentions chain where its reach ends, with no sign of it but the length. The reach slides
    while the chain is paged (newer mentions push the oldest out), and "~800" counts posts since deleted
    or withheld: a chain longer than `cut_fraction` of the reach may have lost its oldest end. The
    gap's time-window check settles it, for one read if not."""
    return read_chain(
        lambda token, size: reader.read(brand, replace(query, pagination_token=token, max_results=size)),
        counts,
        floor=floor,
        first_size=query.max_results,
        max_size=query.max_results,
        max_pages=tuning.max_pages,
        cut_at=tuning.reach_limit * tuning.cut_fraction,
    )


def dm_chain(
    reader: DmReader,
    brand: Brand,
    floor: int,
    since: datetime | None,
    first_size: int,
    tuning: PollTuning,
    counts: FeedCounts,
) -> Chain[DirectMessage]:
    """DM events newer than the cursor (or, before any, not older than `since`), read newest first until
    the cursor (or the lookback) shows up."""
    return read_chain(
        lambda token, size: reader.read(brand, DmQuery(pagination_token=token, max_results=size)),
        counts,
        floor=floor,
        first_size=max(1, first_size),
        max_size=tuning.page_size,
        max_pages=tuning.max_pages,
        since=since,
        stop_at_floor=True,
    )
