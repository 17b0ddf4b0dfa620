"""The emulator's records: apps, users, posts and DM events, as X keeps them (not as it renders them)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class App:
    name: str
    app_id: str
    consumer_key: str
    consumer_secret: str
    bearer_token: str
    # Enterprise apps are exempt from the 2026 reply restriction; self-serve plans are not.
    enterprise: bool = False


@dataclass
class User:
    id: str
    username: str
    name: str
    created_at: float
    access_token: str
    access_token_secret: str
    description: str = ""
    location: str = ""
    url: str = ""
    followers_count: int = 0
    following_count: int = 0
    listed_count: int = 0
    like_count: int = 0
    verified: bool = False
    verified_type: str = "none"
    protected: bool = False
    accepts_dms: bool = True


METRIC_NAMES = (
    "retweet_count",
    "reply_count",
    "like_count",
    "quote_count",
    "bookmark_count",
    "impression_count",
)


@dataclass
class Post:
    id: int
    author_id: str
    text: str  # full text, links already in t.co form
    links: dict[str, str]  # t.co -> original URL
    created_at: float
    lang: str
    conversation_id: int
    mentioned: frozenset[str]  # lower-cased usernames @-mentioned anywhere in the full text
    in_reply_to_id: int | None = None
    in_reply_to_user_id: str | None = None
    quoted_id: int | None = None
    retweeted_id: int | None = None
    possibly_sensitive: bool = False
    reply_settings: str = "everyone"
    metrics: dict[str, int] = field(default_factory=dict)  # overrides set through the control API
    deleted: bool = False
    source: str = "control"  # "control" (a person, via the control API) or "api:<app name>"


@dataclass
class DmEvent:
    id: int
    conversation_id: str
    sender_id: str
    text: str
    created_at: float
    event_type: str = "MessageCreate"
    source: str = "control"


@dataclass
class DmConversation:
    id: str
    participant_ids: tuple[str, ...]
    event_ids: list[int] = field(default_factory=list)
