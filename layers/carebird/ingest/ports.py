"""The ports that poll logic talks to. Adapters: `carebird.storage.ingest` (DynamoDB),
`carebird.adapters.x.mentions` and `carebird.adapters.x.dms` (tweepy), `carebird.adapters.aws.handoff`
(Step Functions); tests use in-memory fakes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from carebird.brands import Brand, BrandListing
from carebird.ingest.model import (
    Cursor,
    DmPage,
    Feed,
    Gap,
    IngestedDm,
    IngestedMention,
    MentionPage,
    MentionsQuery,
    PollState,
)


class AlreadyIngested(Exception):
    """The mention or DM is already stored for this brand: the first write wins, this one changed nothing."""


class HandoffFailed(Exception):
    """Triage could not be started now; the message stays pending and is retried on the next poll."""


class MentionsReader(Protocol):
    def read_mentions(self, brand: Brand, query: MentionsQuery) -> MentionPage:
        """One page of the brand's mentions timeline, newest first.

        Raises the `carebird.ports.x` types: XRateLimited, TransientXError, XAuthError, XBadRequest.
        """
        ...


class DmReader(Protocol):
    def read_dm_events(self, brand: Brand, pagination_token: str | None, max_results: int) -> DmPage:
        """One page of the DM events (MessageCreate) of all the brand's conversations, newest first.

        Raises the `carebird.ports.x` types, as `MentionsReader` does.
        """
        ...


class TriageHandoff(Protocol):
    def start(self, mention: IngestedMention) -> None:
        """Start triage for the mention. Idempotent per mention; raises HandoffFailed when it cannot."""
        ...

    def start_dm(self, dm: IngestedDm) -> None:
        """Start triage for the DM. Idempotent per DM; raises HandoffFailed when it cannot."""
        ...


class MetricsSink(Protocol):
    """Powertools Metrics satisfies this."""

    def add_metric(self, name: str, unit: str, value: float) -> None: ...


class Clock(Protocol):
    def now(self) -> datetime: ...

    def sleep(self, seconds: float) -> None: ...


class IngestStore(Protocol):
    """Durable ingestion state. Every write is conditional, so a retried write is harmless."""

    def list_brands(self) -> BrandListing: ...

    def get_cursor(self, brand_id: str) -> Cursor | None: ...

    def advance_cursor(self, brand_id: str, cursor: Cursor) -> bool:
        """Move the cursor to `cursor` if it is newer (as integers) than the stored one. False if not."""
        ...

    def put_mention(self, mention: IngestedMention) -> None:
        """Store a new mention (pending ones become listed by `pending_handoffs`); raises AlreadyIngested."""
        ...

    def mark_handed_off(self, brand_id: str, tweet_id: str, at: datetime) -> None: ...

    def pending_handoffs(self, brand_id: str, limit: int) -> list[IngestedMention]:
        """Stored mentions of the brand still waiting for triage, oldest first."""
        ...

    def claim_text(
        self,
        brand_id: str,
        author_id: str,
        fingerprint: str,
        tweet_id: str,
        created_at: datetime,
        window: timedelta,
    ) -> bool:
        """True if this post is the first with this author and text in `window` (or already the claimant)."""
        ...

    def get_dm_cursor(self, brand_id: str) -> Cursor | None: ...

    def advance_dm_cursor(self, brand_id: str, cursor: Cursor) -> bool:
        """As `advance_cursor`, for the brand's DM events."""
        ...

    def put_dm(self, dm: IngestedDm) -> None:
        """Store a new DM (pending ones become listed by `pending_dm_handoffs`); raises AlreadyIngested."""
        ...

    def mark_dm_handed_off(self, brand_id: str, event_id: str, at: datetime) -> None: ...

    def pending_dm_handoffs(self, brand_id: str, limit: int) -> list[IngestedDm]:
        """Stored DMs of the brand still waiting for triage, oldest first."""
        ...

    def get_poll_state(self, brand_id: str, feed: Feed = Feed.MENTIONS) -> PollState: ...

    def save_poll_state(self, brand_id: str, state: PollState, feed: Feed = Feed.MENTIONS) -> None: ...

    def acquire_lease(self, brand_id: str, owner: str, until: datetime, now: datetime) -> bool:
        """Exclusive right to poll the brand until `until`, so overlapping invocations never double-read."""
        ...

    def release_lease(self, brand_id: str, owner: str) -> None: ...

    def record_gap(self, gap: Gap) -> None:
        """Store a gap found at the cursor; if one exists from the same cursor, widen it to cover both."""
        ...

    def open_gaps(self, brand_id: str) -> list[Gap]: ...

    def save_gap(self, gap: Gap) -> None:
        """Persist progress on a gap found earlier (narrowed range, attempts, closed)."""
        ...
