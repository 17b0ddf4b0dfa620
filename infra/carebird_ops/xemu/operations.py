"""The X API v2 operations the emulator serves: route, accepted query parameters, auth and limits.

Names are X's operationIds and the enums are X's (openapi.json 2.159); a contract test checks this
table against the official description, so the emulator rejects exactly what X rejects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from carebird_ops.xemu import ratelimit as rl
from carebird_ops.xemu.params import (
    USERNAME_PATTERN,
    Choice,
    EnumList,
    IdList,
    IntRange,
    Param,
    SnowflakeId,
    Timestamp,
    Token,
)
from carebird_ops.xemu.ratelimit import Limit

TWEET_FIELDS = (
    "article", "attachments", "author_id", "card_uri", "community_id", "context_annotations",
    "conversation_id", "created_at", "display_text_range", "edit_controls", "edit_history_tweet_ids",
    "entities", "geo", "id", "in_reply_to_user_id", "lang", "media_metadata", "non_public_metrics",
    "note_tweet", "organic_metrics", "possibly_sensitive", "promoted_metrics", "public_metrics",
    "referenced_tweets", "reply_settings", "scopes", "source", "suggested_source_links",
    "suggested_source_links_with_counts", "text", "withheld",
)  # fmt: skip
TWEET_EXPANSIONS = (
    "article.cover_media", "article.media_entities", "attachments.media_keys",
    "attachments.media_source_tweet", "attachments.poll_ids", "author_id", "edit_history_tweet_ids",
    "entities.mentions.username", "geo.place_id", "in_reply_to_user_id", "entities.note.mentions.username",
    "referenced_tweets.id", "referenced_tweets.id.attachments.media_keys", "referenced_tweets.id.author_id",
)  # fmt: skip
USER_FIELDS = (
    "affiliation", "confirmed_email", "connection_status", "created_at", "description", "entities", "id",
    "is_identity_verified", "location", "most_recent_tweet_id", "name", "parody", "pinned_tweet_id",
    "profile_banner_url", "profile_image_url", "protected", "public_metrics", "receives_your_dm",
    "subscription", "subscription_type", "url", "username", "verified", "verified_followers_count",
    "verified_type", "withheld",
)  # fmt: skip
USER_EXPANSIONS = ("affiliation.user_id", "most_recent_tweet_id", "pinned_tweet_id")
MEDIA_FIELDS = (
    "alt_text", "duration_ms", "height", "media_key", "non_public_metrics", "organic_metrics",
    "preview_image_url", "promoted_metrics", "public_metrics", "type", "url", "variants", "width",
)  # fmt: skip
POLL_FIELDS = ("duration_minutes", "end_datetime", "id", "options", "voting_status")
PLACE_FIELDS = ("contained_within", "country", "country_code", "full_name", "geo", "id", "name", "place_type")
DM_EVENT_FIELDS = (
    "attachments", "created_at", "dm_conversation_id", "entities", "event_type", "id", "participant_ids",
    "referenced_tweets", "sender_id", "text",
)  # fmt: skip
DM_EVENT_EXPANSIONS = ("attachments.media_keys", "participant_ids", "referenced_tweets.id", "sender_id")
DM_EVENT_TYPES = ("MessageCreate", "ParticipantsJoin", "ParticipantsLeave")


def _q(*bases: Mapping[str, Param], **params: Param) -> Mapping[str, Param]:
    """Query parameters by wire name; `tweet__fields` spells `tweet.fields`."""
    merged: dict[str, Param] = {}
    for base in bases:
        merged.update(base)
    merged.update({name.replace("__", "."): p for name, p in params.items()})
    return MappingProxyType(merged)


_TWEET_EXPANSION_PARAMS = _q(
    tweet__fields=EnumList(TWEET_FIELDS),
    expansions=EnumList(TWEET_EXPANSIONS),
    media__fields=EnumList(MEDIA_FIELDS),
    poll__fields=EnumList(POLL_FIELDS),
    user__fields=EnumList(USER_FIELDS),
    place__fields=EnumList(PLACE_FIELDS),
)
_USER_EXPANSION_PARAMS = _q(
    user__fields=EnumList(USER_FIELDS),
    expansions=EnumList(USER_EXPANSIONS),
    tweet__fields=EnumList(TWEET_FIELDS),
)
_DM_READ_PARAMS = _q(
    max_results=IntRange(1, 100),
    pagination_token=Token(),
    event_types=EnumList(DM_EVENT_TYPES),
    dm_event__fields=EnumList(DM_EVENT_FIELDS),
    expansions=EnumList(DM_EVENT_EXPANSIONS),
    media__fields=EnumList(MEDIA_FIELDS),
    user__fields=EnumList(USER_FIELDS),
    tweet__fields=EnumList(TWEET_FIELDS),
)


@dataclass(frozen=True)
class Operation:
    name: str  # X's operationId
    method: str
    path: str  # the OpenAPI path template
    query: Mapping[str, Param]
    user_context_only: bool
    limits: tuple[Limit, ...]
    required: tuple[str, ...] = ()

    @property
    def rule(self) -> str:
        """The werkzeug routing rule for the OpenAPI path template."""
        return self.path.replace("{", "<").replace("}", ">")


_USER_LOOKUP_LIMITS = (rl.user(900), rl.app(300))
_POST_LOOKUP_LIMITS = (rl.user(900), rl.app(450))
_DM_SEND_LIMITS = (
    rl.user(200),
    rl.Limit("user", "user", 1000, rl.WINDOW_24_H, "x-user-limit-24hour"),
    rl.Limit("user", "app", 15000, rl.WINDOW_24_H, "x-app-limit-24hour"),
)
_DM_READ_LIMITS = (rl.user(300),)

OPERATIONS: tuple[Operation, ...] = (
    Operation("getUsersMe", "GET", "/2/users/me", _USER_EXPANSION_PARAMS, True, (rl.user(75),)),
    Operation("getUsersById", "GET", "/2/users/{id}", _USER_EXPANSION_PARAMS, False, _USER_LOOKUP_LIMITS),
    Operation(
        "getUsersByUsername",
        "GET",
        "/2/users/by/username/{username}",
        _USER_EXPANSION_PARAMS,
        False,
        _USER_LOOKUP_LIMITS,
    ),
    Operation(
        "getUsersByIds",
        "GET",
        "/2/users",
        _q(_USER_EXPANSION_PARAMS, ids=IdList()),
        False,
        _USER_LOOKUP_LIMITS,
        required=("ids",),
    ),
    Operation(
        "getUsersByUsernames",
        "GET",
        "/2/users/by",
        _q(_USER_EXPANSION_PARAMS, usernames=IdList(pattern=USERNAME_PATTERN)),
        False,
        _USER_LOOKUP_LIMITS,
        required=("usernames",),
    ),
    Operation(
        "getUsersMentions",
        "GET",
        "/2/users/{id}/mentions",
        _q(
            _TWEET_EXPANSION_PARAMS,
            since_id=SnowflakeId(),
            until_id=SnowflakeId(),
            max_results=IntRange(5, 100),
            pagination_token=Token(),
            start_time=Timestamp(),
            end_time=Timestamp(),
        ),
        False,
        (rl.user(180), rl.app(450)),
    ),
    Operation(
        "getUsersPosts",
        "GET",
        "/2/users/{id}/tweets",
        _q(
            _TWEET_EXPANSION_PARAMS,
            since_id=SnowflakeId(),
            until_id=SnowflakeId(),
            max_results=IntRange(5, 100),
            pagination_token=Token(),
            exclude=EnumList(("replies", "retweets")),
            start_time=Timestamp(),
            end_time=Timestamp(),
        ),
        False,
        (rl.user(900), rl.app(1500)),
    ),
    # Recent search: posts of the last 7 days. X's limits (not in the OpenAPI description): 450 requests
    # per 15 minutes per app, 300 per 15 minutes per user.
    Operation(
        "searchPostsRecent",
        "GET",
        "/2/tweets/search/recent",
        _q(
            _TWEET_EXPANSION_PARAMS,
            query=Token(),
            since_id=SnowflakeId(),
            until_id=SnowflakeId(),
            max_results=IntRange(10, 100),
            next_token=Token(),
            pagination_token=Token(),
            start_time=Timestamp(),
            end_time=Timestamp(),
            sort_order=Choice(("recency", "relevancy")),
        ),
        False,
        (rl.user(300), rl.app(450)),
        required=("query",),
    ),
    Operation("getPostsById", "GET", "/2/tweets/{id}", _TWEET_EXPANSION_PARAMS, False, _POST_LOOKUP_LIMITS),
    Operation(
        "getPostsByIds",
        "GET",
        "/2/tweets",
        _q(_TWEET_EXPANSION_PARAMS, ids=IdList()),
        False,
        _POST_LOOKUP_LIMITS,
        required=("ids",),
    ),
    Operation(
        "createPosts",
        "POST",
        "/2/tweets",
        _q(),
        True,
        (rl.user(100), rl.Limit("user", "app", 10000, rl.WINDOW_24_H, "x-app-limit-24hour")),
    ),
    Operation("deletePosts", "DELETE", "/2/tweets/{id}", _q(), True, (rl.user(50),)),
    Operation(
        "createDirectMessagesByParticipantId",
        "POST",
        "/2/dm_conversations/with/{participant_id}/messages",
        _q(),
        True,
        _DM_SEND_LIMITS,
    ),
    Operation(
        "createDirectMessagesByConversationId",
        "POST",
        "/2/dm_conversations/{dm_conversation_id}/messages",
        _q(),
        True,
        _DM_SEND_LIMITS,
    ),
    # X's write limits for likes and follows: 50 requests per 15 minutes per user.
    Operation("likePost", "POST", "/2/users/{id}/likes", _q(), True, (rl.user(50),)),
    Operation("followUser", "POST", "/2/users/{id}/following", _q(), True, (rl.user(50),)),
    Operation("getDirectMessagesEvents", "GET", "/2/dm_events", _DM_READ_PARAMS, True, _DM_READ_LIMITS),
    Operation(
        "getDirectMessagesEventsByParticipantId",
        "GET",
        "/2/dm_conversations/with/{participant_id}/dm_events",
        _DM_READ_PARAMS,
        True,
        _DM_READ_LIMITS,
    ),
    Operation(
        "getDirectMessagesEventsByConversationId",
        "GET",
        "/2/dm_conversations/{id}/dm_events",
        _DM_READ_PARAMS,
        True,
        _DM_READ_LIMITS,
    ),
)

BY_NAME: Mapping[str, Operation] = MappingProxyType({op.name: op for op in OPERATIONS})
DEFAULT_LIMITS: dict[str, tuple[Limit, ...]] = {op.name: op.limits for op in OPERATIONS}
