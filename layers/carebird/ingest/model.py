"""Domain types of ingestion. No tweepy, boto3 or PynamoDB type appears here or leaves an adapter."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from carebird.brands import Brand

TWEET_ID_PATTERN = r"^[0-9]{1,20}$"


class Author(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    username: str = ""
    name: str = ""
    followers_count: int | None = None
    verified: bool | None = None
    verified_type: str | None = None
    protected: bool | None = None


class ReferencedPost(BaseModel):
    model_config = ConfigDict(frozen=True)

    type: str  # "retweeted", "quoted" or "replied_to"
    id: str


class Mention(BaseModel):
    """A post that mentions a brand, as X returned it (full text of long posts, author expanded)."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(pattern=TWEET_ID_PATTERN)
    author: Author
    text: str
    created_at: datetime
    conversation_id: str | None = None
    in_reply_to_user_id: str | None = None
    referenced: tuple[ReferencedPost, ...] = ()
    lang: str | None = None
    entities: dict[str, Any] | None = None
    public_metrics: dict[str, int] | None = None
    # A post the X adapter could not read: why, with `text` holding the post as X sent it (JSON). It is
    # stored with status unreadable for a person to look at, and never triaged.
    unreadable: str | None = None

    @property
    def number(self) -> int:
        return int(self.id)

    @property
    def is_retweet(self) -> bool:
        return any(ref.type == "retweeted" for ref in self.referenced)


class MentionStatus(StrEnum):
    """Where a stored mention or DM is on its way to triage."""

    PENDING = "pending"  # stored, not yet handed to triage
    HANDED_OFF = "handed_off"  # a triage execution exists for it
    SKIPPED = "skipped"  # noise: stored for the record, never triaged
    UNREADABLE = "unreadable"  # X sent it in a shape the adapter cannot read: stored raw, never triaged


class SkipReason(StrEnum):
    OWN_POST = "own_post"
    RETWEET = "retweet"
    REPEAT = "repeat"
    OWN_MESSAGE = "own_message"  # a DM the brand itself sent (an agent's reply)


class Feed(StrEnum):
    """What is read from X for a brand; each feed has its own cursor, rate limit and poll schedule."""

    MENTIONS = "mentions"
    DMS = "dms"


class DmSender(BaseModel):
    """Who sent a DM, in the shape the triage workflow reads."""

    model_config = ConfigDict(frozen=True)

    id: str
    username: str = ""
    name: str = ""
    followers_count: int | None = None
    verified: bool | None = None

    @classmethod
    def of(cls, author: Author) -> DmSender:
        """The sender as the author of a post would be: what of the profile a DM keeps."""
        return cls(
            id=author.id,
            username=author.username,
            name=author.name,
            followers_count=author.followers_count,
            verified=author.verified,
        )


class DirectMessage(BaseModel):
    """A DM event (MessageCreate) in one of the brand's conversations, its sender expanded."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(pattern=TWEET_ID_PATTERN)
    text: str
    created_at: datetime
    sender: DmSender
    dm_conversation_id: str | None = None

    @property
    def number(self) -> int:
        return int(self.id)


class IngestedMessage(BaseModel):
    """A message of one feed as stored for one brand; one subclass per feed names its message field."""

    model_config = ConfigDict(frozen=True)

    feed: ClassVar[Feed]

    brand_id: str
    status: MentionStatus
    skip_reason: SkipReason | None = None
    ingested_at: datetime
    handed_off_at: datetime | None = None

    @property
    def message(self) -> Mention | DirectMessage:
        raise NotImplementedError

    @property
    def message_id(self) -> str:
        return self.message.id

    @property
    def number(self) -> int:
        return self.message.number

    def triage_input(self, brand: Brand) -> dict[str, Any]:
        """What the triage workflow receives: the message under its feed's key ("mention" or "dm"), and
        under "classifier" what its Classify step reads of `brand` (the message's brand, as this poll run
        read it: BrandSettings.classifier_input), so that step need not read the brand. A brand whose
        triage or models setting is invalid hands none over: Classify then reads the brand and fails
        naming the setting, as it always did. Deterministic for the brand's settings, so a retried start
        sends the same input."""
        if brand.id != self.brand_id:
            raise ValueError(f"message of brand {self.brand_id} handed off with brand {brand.id}")
        carried: dict[str, Any] = {}
        with suppress(ValueError):  # TriageConfigError, InvalidBrandSetting: carried stays empty
            carried["classifier"] = brand.config.classifier_input()
        return {
            "brand_id": self.brand_id,
            TRIAGE_KEY[self.feed]: self.message.model_dump(mode="json"),
            "ingested_at": self.ingested_at.isoformat(),
            **carried,
        }


class IngestedMention(IngestedMessage):
    """A mention as stored for one brand (the same post can mention two brands of a deployment)."""

    feed: ClassVar[Feed] = Feed.MENTIONS

    mention: Mention

    @property
    def message(self) -> Mention:
        return self.mention


class IngestedDm(IngestedMessage):
    """A DM as stored for the brand whose inbox it was read from."""

    feed: ClassVar[Feed] = Feed.DMS

    dm: DirectMessage

    @property
    def message(self) -> DirectMessage:
        return self.dm


# The key of the message in the triage workflow's input, per feed.
TRIAGE_KEY = {Feed.MENTIONS: "mention", Feed.DMS: "dm"}


@dataclass(frozen=True)
class Cursor:
    """Newest id of a brand's feed that is stored together with everything older that X let us reach.

    For mentions it is the next query's since_id. X has no since_id for DM events: their chain is paged
    newest first until an event at or below the cursor shows up.
    """

    since_id: str
    created_at: datetime  # of the post `since_id`: where a time-window backfill starts

    @property
    def number(self) -> int:
        return int(self.since_id)


@dataclass(frozen=True)
class RateLimit:
    limit: int
    remaining: int
    reset_at: datetime


@dataclass(frozen=True)
class MentionsQuery:
    since_id: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    until_id: str | None = None  # X: takes precedence over end_time
    pagination_token: str | None = None
    max_results: int = 100


@dataclass(frozen=True)
class DmQuery:
    """X has no since_id or time window for DM events: a chain of them is paged and nothing else."""

    pagination_token: str | None = None
    max_results: int = 100


M = TypeVar("M", Mention, DirectMessage)  # the message a feed carries


@dataclass(frozen=True)
class Page(Generic[M]):
    """One page of a feed as X returned it."""

    messages: list[M]  # newest first, as X returns them
    next_token: str | None
    rate: RateLimit | None
    reads: int  # what X bills: posts (expanded ones included) or DM events it returned


class GapStatus(StrEnum):
    OPEN = "open"  # windows are tried until one reaches back to the cursor
    CLOSED = "closed"  # a window reached back to the cursor: every mention of it is stored
    # X served nothing of it any more (its ~800 most recent mentions slid past): mentions in it may be
    # missing, and a person must look. Kept, with its times; never tried again.
    LOST = "lost"


class GapReason(StrEnum):
    REACH_LIMIT = "reach_limit"  # X pages back only ~800 mentions
    PAGE_FAILED = "page_failed"  # a page of the chain could not be read (429, 5xx, timeout)


@dataclass(frozen=True)
class Gap:
    """Mentions with from_id < id < to_id may exist that were never read. Found by the time window."""

    brand_id: str
    from_id: str  # the cursor when the gap was found ("0" before any cursor)
    to_id: str  # oldest id that was read
    from_time: datetime  # created_at of from_id (or the first poll's start_time)
    to_time: datetime  # created_at of to_id
    reason: GapReason
    detected_at: datetime
    status: GapStatus = GapStatus.OPEN
    attempts: int = 0
    recovered: int = 0
    last_attempt_at: datetime | None = None
    closed_at: datetime | None = None  # closed, or found lost
    stalled: int = 0  # window queries in a row that got nothing (the retry back-off)

    def contains(self, tweet_id: str) -> bool:
        return int(self.from_id) < int(tweet_id) < int(self.to_id)


@dataclass(frozen=True)
class PollState:
    """Per-brand scheduling state that must survive between invocations."""

    blocked_until: datetime | None = None  # X said 429: no call before this
    next_poll_at: datetime | None = None
    interval_seconds: float | None = None
    rate: RateLimit | None = None  # the last x-rate-limit-* headers seen
    last_polled_at: datetime | None = None
    last_success_at: datetime | None = None
    consecutive_errors: int = 0
    last_error: str | None = None
    found: int = 0  # new messages the last successful poll read (sizes the next DM chain's first page)


@dataclass(frozen=True)
class LeasedBrand:
    """What the write that took a brand's lease read back: its feeds' poll states and cursors as stored.
    A feed missing from either map is not in the lease's item (kept where the release before kept it):
    the run reads it on its own (`IngestStore.get_poll_state`, `get_cursor`)."""

    states: dict[Feed, PollState]
    cursors: dict[Feed, Cursor | None]


def utc(dt: datetime) -> datetime:
    """Naive datetimes are UTC by convention in this package; make that explicit."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
