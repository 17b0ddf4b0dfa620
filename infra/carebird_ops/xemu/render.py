"""Objects as X renders them: default fields unless asked, expansions gathered into `includes`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from carebird_ops.xemu import errors
from carebird_ops.xemu import text as textmod
from carebird_ops.xemu.model import DmEvent, Post, User
from carebird_ops.xemu.params import rfc3339
from carebird_ops.xemu.state import EmulatorState

Json = dict[str, Any]
DEFAULT_PROFILE_IMAGE = "https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png"
EDIT_WINDOW_SECONDS = 3600
_LEADING_MENTIONS = re.compile(r"^(?:@[A-Za-z0-9_]{1,15}\s+)+")


def _fields(query: Mapping[str, object], name: str) -> frozenset[str]:
    value = query.get(name)
    return value if isinstance(value, frozenset) else frozenset()


class Renderer:
    def __init__(self, state: EmulatorState, viewer_id: str | None, query: Mapping[str, object]) -> None:
        self.state = state
        self.viewer_id = viewer_id
        self.tweet_fields = _fields(query, "tweet.fields")
        self.user_fields = _fields(query, "user.fields")
        self.dm_fields = _fields(query, "dm_event.fields")
        self.expansions = _fields(query, "expansions")
        self._users: dict[str, Json] = {}
        self._tweets: dict[str, Json] = {}
        self.errors: list[Json] = []

    # Posts

    def _entities(self, text: str, links: Mapping[str, str], *, raw_links: bool = False) -> Json:
        out: Json = {}
        mentions = []
        for m in textmod.mentions(text):
            user = self.state.user_by_username(m.username)
            if user is not None:  # X only links handles that belong to an account
                mentions.append({"start": m.start, "end": m.end, "username": user.username, "id": user.id})
        urls = []
        found = textmod.raw_links(text) if raw_links else textmod.links(text)
        for link in found:
            original = links.get(link.url, link.url)
            display = re.sub(r"^https?://(www\.)?", "", original)
            urls.append(
                {
                    "start": link.start,
                    "end": link.end,
                    "url": link.url,
                    "expanded_url": original,
                    "display_url": display if len(display) <= 26 else display[:25] + "…",
                }
            )
        tags = [{"start": h.start, "end": h.end, "tag": h.tag} for h in textmod.hashtags(text)]
        for key, items in (("mentions", mentions), ("urls", urls), ("hashtags", tags)):
            if items:
                out[key] = items
        return out

    def referenced(self, post: Post) -> list[Json]:
        refs = []
        if post.retweeted_id is not None:
            refs.append({"type": "retweeted", "id": str(post.retweeted_id)})
        if post.quoted_id is not None:
            refs.append({"type": "quoted", "id": str(post.quoted_id)})
        if post.in_reply_to_id is not None:
            refs.append({"type": "replied_to", "id": str(post.in_reply_to_id)})
        return refs

    def tweet(self, post: Post) -> Json:
        shown = self.state.display_text(post)
        out: Json = {"id": str(post.id), "text": shown, "edit_history_tweet_ids": [str(post.id)]}
        f = self.tweet_fields
        if "author_id" in f:
            out["author_id"] = post.author_id
        if "created_at" in f:
            out["created_at"] = rfc3339(post.created_at)
        if "conversation_id" in f:
            out["conversation_id"] = str(post.conversation_id)
        if "in_reply_to_user_id" in f and post.in_reply_to_user_id is not None:
            out["in_reply_to_user_id"] = post.in_reply_to_user_id
        if "referenced_tweets" in f and (refs := self.referenced(post)):
            out["referenced_tweets"] = refs
        if "entities" in f and (entities := self._entities(shown, post.links)):
            out["entities"] = entities
        if "lang" in f:
            out["lang"] = post.lang
        if "public_metrics" in f:
            out["public_metrics"] = self.state.public_metrics(post)
        if "possibly_sensitive" in f:
            out["possibly_sensitive"] = post.possibly_sensitive
        if "reply_settings" in f:
            out["reply_settings"] = post.reply_settings
        if "display_text_range" in f:
            lead = _LEADING_MENTIONS.match(shown) if post.in_reply_to_id is not None else None
            out["display_text_range"] = [lead.end() if lead else 0, len(shown)]
        if "edit_controls" in f:
            out["edit_controls"] = {
                "edits_remaining": 5,
                "is_edit_eligible": post.in_reply_to_id is None and post.retweeted_id is None,
                "editable_until": rfc3339(post.created_at + EDIT_WINDOW_SECONDS),
            }
        if "note_tweet" in f and self.state.is_long(post):
            note: Json = {"text": post.text}
            if entities := self._entities(post.text, post.links):
                note["entities"] = entities
            out["note_tweet"] = note
        return out

    def expand_tweet(self, post: Post) -> None:
        x = self.expansions
        if "author_id" in x:
            self._include_user(post.author_id)
        if "in_reply_to_user_id" in x and post.in_reply_to_user_id:
            self._include_user(post.in_reply_to_user_id)
        if "entities.mentions.username" in x:
            for m in textmod.mentions(self.state.display_text(post)):
                if (user := self.state.user_by_username(m.username)) is not None:
                    self._include_user(user.id)
        if "entities.note.mentions.username" in x and self.state.is_long(post):
            for m in textmod.mentions(post.text):
                if (user := self.state.user_by_username(m.username)) is not None:
                    self._include_user(user.id)
        if "referenced_tweets.id" in x or "referenced_tweets.id.author_id" in x:
            for ref in self.referenced(post):
                target = self.state.live_post(int(ref["id"]))
                if target is None or not self.state.visible(target, self.viewer_id):
                    self.errors.append(errors.not_found_entry("tweet", "referenced_tweets.id", ref["id"]))
                    continue
                if "referenced_tweets.id" in x:
                    self._include_tweet(target)
                if "referenced_tweets.id.author_id" in x:
                    self._include_user(target.author_id)

    def _include_tweet(self, post: Post) -> None:
        key = str(post.id)
        if key not in self._tweets:
            self._tweets[key] = self.tweet(post)

    # Users

    def user(self, user: User) -> Json:
        out: Json = {"id": user.id, "name": user.name, "username": user.username}
        f = self.user_fields
        if "created_at" in f:
            out["created_at"] = rfc3339(user.created_at)
        if "description" in f:
            out["description"] = user.description
        if "entities" in f and (entities := self._entities(user.description, {})):
            out["entities"] = {"description": entities}
        if "location" in f and user.location:
            out["location"] = user.location
        if "url" in f:
            out["url"] = user.url
        if "profile_image_url" in f:
            out["profile_image_url"] = DEFAULT_PROFILE_IMAGE
        if "protected" in f:
            out["protected"] = user.protected
        if "verified" in f:
            out["verified"] = user.verified
        if "verified_type" in f:
            out["verified_type"] = user.verified_type
        if "subscription_type" in f:
            out["subscription_type"] = "Premium" if user.verified_type == "blue" else "None"
        if "public_metrics" in f:
            out["public_metrics"] = {
                "followers_count": user.followers_count,
                "following_count": user.following_count,
                "tweet_count": sum(1 for p in self.state.posts_by(user.id) if not p.deleted),
                "listed_count": user.listed_count,
                "like_count": user.like_count,
            }
        if "most_recent_tweet_id" in f and (recent := self.state.most_recent_post(user.id)) is not None:
            out["most_recent_tweet_id"] = str(recent.id)
        viewer = self.state.users.get(self.viewer_id) if self.viewer_id else None
        if viewer is not None:
            if "receives_your_dm" in f:
                out["receives_your_dm"] = self.state.dm_allowed(viewer, user)
            if "connection_status" in f:
                out["connection_status"] = []
        return out

    def expand_user(self, user: User) -> None:
        if "most_recent_tweet_id" in self.expansions:
            recent = self.state.most_recent_post(user.id)
            if recent is not None and self.state.visible(recent, self.viewer_id):
                self._include_tweet(recent)

    def _include_user(self, user_id: str) -> None:
        if user_id not in self._users and (user := self.state.users.get(user_id)) is not None:
            self._users[user_id] = self.user(user)

    # Direct messages

    def dm_event(self, event: DmEvent) -> Json:
        out: Json = {"id": str(event.id), "event_type": event.event_type, "text": event.text}
        f = self.dm_fields
        if "created_at" in f:
            out["created_at"] = rfc3339(event.created_at)
        if "dm_conversation_id" in f:
            out["dm_conversation_id"] = event.conversation_id
        if "sender_id" in f:
            out["sender_id"] = event.sender_id
        if "entities" in f:
            # DmEvent carries its entities at the top level (openapi.json's DmEvent schema).
            out.update(self._entities(event.text, {}, raw_links=True))
        return out

    def expand_dm_event(self, event: DmEvent) -> None:
        if "sender_id" in self.expansions:
            self._include_user(event.sender_id)

    # Envelope

    def includes(self) -> Json:
        out: Json = {}
        if self._users:
            out["users"] = list(self._users.values())
        if self._tweets:
            out["tweets"] = list(self._tweets.values())
        return out

    def envelope(self, data: Json | list[Json] | None, meta: Json | None = None) -> Json:
        out: Json = {}
        if data:
            out["data"] = data
        if includes := self.includes():
            out["includes"] = includes
        if self.errors:
            out["errors"] = self.errors
        if meta is not None:
            out["meta"] = meta
        return out
