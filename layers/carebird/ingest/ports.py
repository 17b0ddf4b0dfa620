"""The ports that poll logic talks to. Adapters: `carebird.storage.ingest` (DynamoDB),
`carebird.adapters.x.mentions` and `carebird.adapters.x.dms` (tweepy), `carebird.adapters.aws.handoff`
(Step Functions); tests use in-memory fakes (`tests/support/ingest_fakes.py`).

Each of a brand's feeds (`Feed`: its mentions, its DMs) has its own cursor, poll state and stored
messages, so the store takes the feed as a parameter rather than having one method per feed."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Protocol, TypeVar

from carebird.brands import Brand, BrandListing
from carebird.ingest.model import (
    Author,
    Cursor,
    DirectMessage,
    DmQuery,
    Feed,
    Gap,
    IngestedMessage,
    LeasedBrand,
    M,
    Mention,
    MentionsQuery,
    Page,
    PollState,
)
from carebird.spend.book import Budget

Q = TypeVar("Q", contravariant=True)


class AlreadyIngested(Exception):
    """The mention or DM is already stored for this brand: the first write wins, this one changed nothing."""


class HandoffFailed(Exception):
    """Triage could not be started now; the message stays pending and is retried on the next poll."""


class FeedReader(Protocol[Q, M]):
    def read(self, brand: Brand, query: Q) -> Page[M]:
        """One page of the brand's feed, newest first.

        Raises the `carebird.ports.x` types: XRateLimited, TransientXError, XAuthError, XBadRequest.
        """
        ...


# The mentions timeline: since_id, time windows and pagination tokens.
MentionsReader = FeedReader[MentionsQuery, Mention]
# X's recent search for the brand's mentions (the last 7 days, past the timeline's reach): the same
# queries; its pagination token is search's next_token.
MentionsSearch = FeedReader[MentionsQuery, Mention]
# The DM events (MessageCreate) of all the brand's conversations: pagination tokens only.
DmReader = FeedReader[DmQuery, DirectMessage]


class UsersReader(Protocol):
    def users(self, brand: Brand, user_ids: Sequence[str]) -> list[Author]:
        """X's profiles of these users (at most 100), read in the brand account's user context. An id X
        does not return (a suspended or deleted account) is left out.

        Raises the `carebird.ports.x` types: XRateLimited, TransientXError, XAuthError, XBadRequest.
        """
        ...


class AuthorDirectory(Protocol):
    """The profiles of the people who wrote to the deployment's brands, as X last returned them, so that
    a returning author is not read from X again (`carebird.ingest.profiles`)."""

    def profiles(self, author_ids: Collection[str], read_since: datetime) -> dict[str, Author]:
        """The stored profiles among these ids that were read from X at or after `read_since`."""
        ...

    def remember(self, authors: Sequence[Author], read_at: datetime) -> None:
        """Store these profiles as read from X at `read_at`, replacing any stored for the same ids."""
        ...


class TriageHandoff(Protocol):
    def start(self, record: IngestedMessage, brand: Brand) -> None:
        """Start triage for the stored mention or DM of `brand` (IngestedMessage.triage_input).
        Idempotent per message; raises HandoffFailed when it cannot."""
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

    def get_cursor(self, brand_id: str, feed: Feed) -> Cursor | None: ...

    def advance_cursor(self, brand_id: str, feed: Feed, cursor: Cursor) -> bool:
        """Move the feed's cursor to `cursor` if newer (as integers) than the stored one. False if not."""
        ...

    def put_message(self, record: IngestedMessage) -> None:
        """Store a new mention or DM (pending ones become listed by `pending_handoffs`); raises
        AlreadyIngested."""
        ...

    def mark_handed_off(self, brand_id: str, feed: Feed, message_id: str, at: datetime) -> None: ...

    def pending_handoffs(self, brand_id: str, feed: Feed, limit: int) -> list[IngestedMessage]:
        """Stored messages of the brand's feed still waiting for triage, oldest first."""
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

    def get_poll_state(self, brand_id: str, feed: Feed) -> PollState: ...

    def save_poll_state(self, brand_id: str, feed: Feed, state: PollState) -> None: ...

    def save_poll_states(
        self, brand_id: str, states: Mapping[Feed, PollState], cursors: Mapping[Feed, Cursor]
    ) -> None:
        """What one round of polls changed for the brand, in one write: its feeds' states, and each
        cursor moved forward (as `advance_cursor`: one already further is left as it is)."""
        ...

    def acquire_lease(self, brand_id: str, owner: str, until: datetime, now: datetime) -> LeasedBrand | None:
        """Exclusive right to poll the brand until `until`, so overlapping invocations never double-read:
        None if another holds it, else the brand's poll states and cursors read back by the same write."""
        ...

    def release_lease(
        self, brand_id: str, owner: str, states: Mapping[Feed, PollState] | None = None
    ) -> None:
        """Give the lease up, and save `states` (as `save_poll_states`, without cursors) in the same
        write; one held by another owner now is left as it is, the states saved all the same."""
        ...

    # Gaps are the mentions feed's: only it can read a past range again (by time window).
    def record_gap(self, gap: Gap) -> None:
        """Store a gap found at the cursor; if one exists from the same cursor, widen it to cover both."""
        ...

    def open_gaps(self, brand_id: str) -> list[Gap]: ...

    def save_gap(self, gap: Gap) -> None:
        """Persist progress on a gap found earlier (narrowed range, attempts, closed)."""
        ...

    # Mentions a run read and ran out of time to write: kept for the next run, which writes them first,
    # because X may no longer serve them (a burst pushes them past its ~800 reach).
    def keep_unwritten(self, brand_id: str, mentions: Sequence[Mention]) -> None:
        """Replace the brand's kept mentions with these (none: forget them)."""
        ...

    def unwritten(self, brand_id: str) -> list[Mention]: ...


class SpendBudgets(Protocol):
    """A brand's X spend for a UTC day against its daily budget (carebird.spend.book.SpendBook)."""

    def budget(self, brand_id: str, day: date, limit_usd: Decimal | None) -> Budget: ...
