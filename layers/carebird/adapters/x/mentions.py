"""Reading a brand's mentions from X with tweepy (OAuth 1.0a user context of the brand account).

Implements `carebird.ingest.ports.MentionsReader`, in the reader shape of `carebird.adapters.x.reads`.
Nothing tweepy-shaped leaves this module: pages come back as domain `Mention`s with the full text of
long posts and their author's id (the profile comes from `carebird.ingest.profiles`, which reads it from X
once a week, not once a day as an expansion would), failures as the typed errors of `carebird.ports.x`,
and the `x-rate-limit-*` headers as a `RateLimit`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import requests
import tweepy

from carebird.adapters.x.client import (
    CredentialsLoader,
    XCredentials,
    parse_credentials,
    secrets_manager_credentials,
)
from carebird.adapters.x.reads import TweepyFeedReader, author_of, included_users, parse_time
from carebird.brands import Brand
from carebird.ingest.model import Author, Mention, MentionsQuery, ReferencedPost
from carebird.ports.x import TransientXError

# Credentials and clients moved to carebird.adapters.x.client; these names stay importable from here.
__all__ = [
    "CredentialsLoader",
    "TweepyMentionsReader",
    "XCredentials",
    "parse_credentials",
    "secrets_manager_credentials",
]

TWEET_FIELDS = [
    "created_at",
    "conversation_id",
    "in_reply_to_user_id",
    "referenced_tweets",
    "lang",
    "entities",
    "public_metrics",
    "author_id",
    "note_tweet",
]
# Nothing is expanded: X bills every resource it returns, an expanded author as a user read ($0.010) and
# an expanded referenced post as a post read. `referenced_tweets` keeps the ids and types (enough to spot
# a retweet, and threading goes by conversation_id); authors are read by `carebird.ingest.profiles`, only
# those the directory does not know.


class TweepyMentionsReader(TweepyFeedReader[MentionsQuery, Mention]):
    what = "mentions"
    source = "mentions timeline"

    def _request(self, client: tweepy.Client, brand: Brand, query: MentionsQuery) -> requests.Response:
        params: dict[str, Any] = {
            "max_results": query.max_results,
            "tweet_fields": TWEET_FIELDS,
            "user_auth": True,
        }
        for name in ("since_id", "start_time", "end_time", "until_id", "pagination_token"):
            value = getattr(query, name)
            if value is not None:
                params[name] = value
        response: requests.Response = client.get_users_mentions(brand.user_id, **params)
        return response

    def _messages(self, body: dict[str, Any]) -> tuple[list[Mention], int]:
        data = body.get("data") or []
        includes = body.get("includes") or {}
        users = included_users(body)
        if not isinstance(data, list):
            raise TransientXError(
                f"X returned a mentions page whose data is not a list: {type(data).__name__}"
            )
        mentions = [_readable_or_quarantined(post, users) for post in data]
        # X bills every post it returns; includes.tweets stays empty without the referenced expansion.
        return mentions, len(data) + len(includes.get("tweets") or [])


_TWITTER_EPOCH_MS = 1_288_834_974_657  # X's ids carry their creation time in milliseconds since this


def _readable_or_quarantined(post: Any, users: dict[str, dict[str, Any]]) -> Mention:
    """The post as a Mention; one this adapter cannot read (a field missing or malformed) as a Mention
    marked unreadable, with the raw post as its text, so the page (and the cursor) go on without it."""
    try:
        return _mention(post, users)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        reason = f"{type(exc).__name__}: {exc}"
    post_id = str(post.get("id", "")) if isinstance(post, dict) else ""
    if not post_id.isdigit() or not 0 < len(post_id) <= 19:
        # Without an id it cannot be stored, ordered or deduplicated: X's answer itself is broken.
        raise TransientXError(f"X returned a post without a readable id ({reason})")
    created = datetime.fromtimestamp(((int(post_id) >> 22) + _TWITTER_EPOCH_MS) / 1000, UTC)
    author = str(post.get("author_id") or "0")
    return Mention(
        id=post_id,
        author=Author(id=author if author.isdigit() else "0"),
        text=json.dumps(post, ensure_ascii=False, default=str)[:20_000],
        created_at=created,
        unreadable=reason[:500],
    )


def _mention(post: dict[str, Any], users: dict[str, dict[str, Any]]) -> Mention:
    author_id = str(post["author_id"])
    user = users.get(author_id, {})
    note = post.get("note_tweet")
    # Posts over 280 characters arrive truncated in `text`; the whole of it is in note_tweet.
    text = note["text"] if isinstance(note, dict) and note.get("text") else post["text"]
    return Mention(
        id=str(post["id"]),
        author=author_of(user) if user else Author(id=author_id),
        text=text,
        created_at=parse_time(post["created_at"]),
        conversation_id=post.get("conversation_id"),
        in_reply_to_user_id=post.get("in_reply_to_user_id"),
        referenced=tuple(
            ReferencedPost(type=ref["type"], id=str(ref["id"])) for ref in post.get("referenced_tweets") or ()
        ),
        lang=post.get("lang"),
        entities=post.get("entities"),
        public_metrics=post.get("public_metrics"),
    )
