"""Everything the emulator knows: apps, users, posts, DMs, plus its clock, limits, faults and counters.

One re-entrant lock guards it; the server holds it for the (short) life of each request.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from dataclasses import dataclass

from carebird_ops.xemu import text as textmod
from carebird_ops.xemu.clock import Clock
from carebird_ops.xemu.credentials import DEFAULT_APP, app_credentials, user_id_for, user_tokens
from carebird_ops.xemu.faults import FaultInjector
from carebird_ops.xemu.ids import IdGenerator
from carebird_ops.xemu.model import METRIC_NAMES, App, DmConversation, DmEvent, Post, User
from carebird_ops.xemu.operations import DEFAULT_LIMITS
from carebird_ops.xemu.ratelimit import RateLimiter
from carebird_ops.xemu.stats import Stats

USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{1,15}$")
VERIFIED_TYPES = ("blue", "government", "business", "none")  # X's User.verified_type enum


class Conflict(Exception):
    """The thing to create exists already."""


class Missing(LookupError):
    """A referenced user, post or conversation does not exist."""


@dataclass
class Settings:
    # X refuses identical text from the same account within a recent window; its length is not published.
    duplicate_window_seconds: int = 3600
    # The mentions timeline only reaches this many of the most recent mentions, however you page.
    mentions_cap: int = 800
    # A user timeline (GET /2/users/:id/tweets) reaches only this many of the user's most recent posts.
    user_timeline_cap: int = 3200


class EmulatorState:
    def __init__(self, seed: int | None = None, clock: Clock | None = None) -> None:
        self.lock = threading.RLock()
        self.clock = clock or Clock()
        self.initial_seed = seed
        self.ids = IdGenerator()
        self.faults = FaultInjector(seed)
        self.limiter = RateLimiter(self.clock.now, DEFAULT_LIMITS)
        self.stats = Stats()
        self.settings = Settings()
        self._clear_records()

    def _clear_records(self) -> None:
        self.apps: dict[str, App] = {}
        self.users: dict[str, User] = {}
        self._users_by_name: dict[str, str] = {}
        self._users_by_token: dict[str, str] = {}
        self.posts: dict[int, Post] = {}
        self._posts_by_author: dict[str, list[int]] = defaultdict(list)
        self._mentions_by_name: dict[str, list[int]] = defaultdict(list)
        self._engagements_by_user: dict[str, list[int]] = defaultdict(list)  # replies to / quotes of them
        self._retweets_of: dict[int, list[int]] = defaultdict(list)
        self.conversations: dict[str, DmConversation] = {}
        self.dm_events: dict[int, DmEvent] = {}
        self.following: set[tuple[str, str]] = set()  # (follower id, followed id)
        self.likes: set[tuple[str, int]] = set()  # (user id, post id)
        self.oauth_nonces: dict[tuple[str, str], float] = {}
        self.create_app(DEFAULT_APP)

    def reset(self, seed: int | None = None) -> None:
        with self.lock:
            self.clock.reset()
            self.ids.reset()
            self.faults = FaultInjector(self.initial_seed if seed is None else seed)
            self.limiter.reset()
            self.stats.reset()
            self.settings = Settings()
            self._clear_records()

    def now(self) -> float:
        return self.clock.now()

    # Apps and users

    def create_app(self, name: str, *, enterprise: bool = False) -> App:
        creds = app_credentials(name)
        existing = self.apps.get(name)
        if existing is not None:
            existing.enterprise = enterprise
            return existing
        app = App(
            name=name,
            app_id=creds.app_id,
            consumer_key=creds.consumer_key,
            consumer_secret=creds.consumer_secret,
            bearer_token=creds.bearer_token,
            enterprise=enterprise,
        )
        self.apps[name] = app
        return app

    def app_by_consumer_key(self, key: str) -> App | None:
        return next((a for a in self.apps.values() if a.consumer_key == key), None)

    def app_by_bearer(self, token: str) -> App | None:
        return next((a for a in self.apps.values() if a.bearer_token == token), None)

    def create_user(
        self,
        username: str,
        *,
        name: str | None = None,
        followers: int = 0,
        following: int = 0,
        listed: int = 0,
        verified: bool = False,
        verified_type: str | None = None,
        protected: bool = False,
        accepts_dms: bool = True,
        description: str = "",
        location: str = "",
        url: str = "",
        created_at: float | None = None,
    ) -> User:
        if not USERNAME_RE.match(username):
            raise ValueError(f"username must match ^[A-Za-z0-9_]{{1,15}}$, got {username!r}")
        if verified_type is not None and verified_type not in VERIFIED_TYPES:
            raise ValueError(f"verified_type must be one of {list(VERIFIED_TYPES)}, got {verified_type!r}")
        if username.lower() in self._users_by_name:
            raise Conflict(f"user @{self.user_by_username(username).username} exists already")  # type: ignore[union-attr]
        tokens = user_tokens(username)
        user = User(
            id=user_id_for(username),
            username=username,
            name=name or username,
            created_at=self.now() if created_at is None else created_at,
            access_token=tokens.access_token,
            access_token_secret=tokens.access_token_secret,
            description=description,
            location=location,
            url=url,
            followers_count=followers,
            following_count=following,
            listed_count=listed,
            verified=verified,
            verified_type=verified_type or ("blue" if verified else "none"),
            protected=protected,
            accepts_dms=accepts_dms,
        )
        if user.id in self.users:
            raise Conflict(f"user id {user.id} of @{username} collides with @{self.users[user.id].username}")
        self.users[user.id] = user
        self._users_by_name[username.lower()] = user.id
        self._users_by_token[user.access_token] = user.id
        return user

    def user_by_username(self, username: str) -> User | None:
        user_id = self._users_by_name.get(username.lower())
        return self.users.get(user_id) if user_id else None

    def user_by_access_token(self, token: str) -> User | None:
        user_id = self._users_by_token.get(token)
        return self.users.get(user_id) if user_id else None

    def require_user(self, username: str) -> User:
        user = self.user_by_username(username.lstrip("@"))
        if user is None:
            raise Missing(f"no user @{username.lstrip('@')}")
        return user

    # Posts

    def create_post(
        self,
        author: User,
        text: str,
        *,
        in_reply_to: int | None = None,
        quote_of: int | None = None,
        retweet_of: int | None = None,
        lang: str | None = None,
        created_at: float | None = None,
        possibly_sensitive: bool = False,
        reply_settings: str = "everyone",
        metrics: dict[str, int] | None = None,
        source: str = "control",
    ) -> Post:
        parent = self._existing_post(in_reply_to, "in_reply_to")
        quoted = self._existing_post(quote_of, "quote_of")
        retweeted = self._existing_post(retweet_of, "retweet_of")
        if retweeted is not None:
            while retweeted.retweeted_id is not None:  # a retweet of a retweet retweets the original
                retweeted = self.posts[retweeted.retweeted_id]
            original_author = self.users[retweeted.author_id]
            text = f"RT @{original_author.username}: {retweeted.text}"
        wrapped, links = textmod.wrap_links(text)
        now = self.now()
        post_id = self.ids.mint(now, at=created_at)
        post = Post(
            id=post_id,
            author_id=author.id,
            text=wrapped,
            links=links,
            created_at=now if created_at is None else created_at,
            lang=lang or textmod.guess_language(wrapped),
            conversation_id=parent.conversation_id if parent else post_id,
            mentioned=frozenset(m.username.lower() for m in textmod.mentions(wrapped)),
            in_reply_to_id=parent.id if parent else None,
            in_reply_to_user_id=parent.author_id if parent else None,
            quoted_id=quoted.id if quoted else None,
            retweeted_id=retweeted.id if retweeted else None,
            possibly_sensitive=possibly_sensitive,
            reply_settings=reply_settings,
            metrics=dict(metrics or {}),
            source=source,
        )
        self.posts[post_id] = post
        self._posts_by_author[author.id].append(post_id)
        for name in post.mentioned:
            self._mentions_by_name[name].append(post_id)
        if retweeted is not None:
            self._retweets_of[retweeted.id].append(post_id)
        for target in (parent, quoted):
            if target is not None and target.author_id != author.id:
                self._engagements_by_user[target.author_id].append(post_id)
        return post

    def _existing_post(self, post_id: int | None, what: str) -> Post | None:
        if post_id is None:
            return None
        post = self.posts.get(post_id)
        if post is None or post.deleted:
            raise Missing(f"{what}: no post {post_id}")
        return post

    def live_post(self, post_id: int) -> Post | None:
        post = self.posts.get(post_id)
        return None if post is None or post.deleted else post

    def visible(self, post: Post, viewer_id: str | None) -> bool:
        """Protected accounts' posts are only shown to their author (the emulator has no follow graph)."""
        author = self.users[post.author_id]
        return not author.protected or author.id == viewer_id

    def set_metrics(self, post_id: int, metrics: dict[str, int]) -> Post:
        post = self.posts.get(post_id)
        if post is None:
            raise Missing(f"no post {post_id}")
        unknown = set(metrics) - set(METRIC_NAMES)
        if unknown:
            raise ValueError(f"unknown metrics {sorted(unknown)}; known: {list(METRIC_NAMES)}")
        post.metrics.update({k: int(v) for k, v in metrics.items()})
        return post

    def public_metrics(self, post: Post) -> dict[str, int]:
        computed = dict.fromkeys(METRIC_NAMES, 0)
        for other_id in self._engagements_by_user.get(post.author_id, ()):
            other = self.posts[other_id]
            if other.deleted:
                continue
            if other.in_reply_to_id == post.id:
                computed["reply_count"] += 1
            if other.quoted_id == post.id:
                computed["quote_count"] += 1
        computed["retweet_count"] = sum(not self.posts[r].deleted for r in self._retweets_of.get(post.id, ()))
        computed.update(post.metrics)
        return computed

    def posts_by(self, user_id: str) -> list[Post]:
        return [self.posts[i] for i in self._posts_by_author.get(user_id, ())]

    def most_recent_post(self, user_id: str) -> Post | None:
        live = [p for p in self.posts_by(user_id) if not p.deleted]
        return max(live, key=lambda p: p.id) if live else None

    def is_mention_of(self, post: Post, user: User) -> bool:
        """The mentions timeline's rule: @-mentioned in the text, or a reply to or quote of their post."""
        if user.username.lower() in post.mentioned:
            return True
        if post.in_reply_to_user_id == user.id:
            return True
        quoted = self.posts.get(post.quoted_id) if post.quoted_id else None
        return quoted is not None and quoted.author_id == user.id

    def mentions_of(self, user: User, viewer_id: str | None) -> list[Post]:
        """Newest first, the user's own posts left out, cut to the most recent `mentions_cap`."""
        candidates = set(self._mentions_by_name.get(user.username.lower(), ()))
        candidates.update(self._engagements_by_user.get(user.id, ()))
        found = [
            post
            for post in (self.posts[i] for i in candidates)
            if not post.deleted and post.author_id != user.id and self.visible(post, viewer_id)
        ]
        found.sort(key=lambda p: p.id, reverse=True)
        return found[: self.settings.mentions_cap]

    def may_reply(self, replier: User, target: Post) -> bool:
        """X's 2026 rule for self-serve apps: reply only where the author mentioned or quoted you."""
        return target.author_id == replier.id or self.is_mention_of(target, replier)

    def recent_duplicate(self, author: User, text: str) -> Post | None:
        wrapped, _ = textmod.wrap_links(text)
        horizon = self.now() - self.settings.duplicate_window_seconds
        for post_id in reversed(self._posts_by_author.get(author.id, ())):
            post = self.posts[post_id]
            if post.created_at < horizon:
                break
            if not post.deleted and post.text == wrapped:
                return post
        return None

    def display_text(self, post: Post) -> str:
        return textmod.truncate(post.text)

    def is_long(self, post: Post) -> bool:
        return post.retweeted_id is None and textmod.weighted_length(post.text) > textmod.MAX_WEIGHTED_LENGTH

    # Direct messages

    def conversation_between(self, a: User, b: User, *, create: bool = True) -> DmConversation | None:
        low, high = sorted((a.id, b.id), key=int)
        conv_id = f"{low}-{high}"
        conv = self.conversations.get(conv_id)
        if conv is None and create:
            conv = self.conversations[conv_id] = DmConversation(conv_id, (low, high))
        return conv

    def follows(self, follower: User, followed: User) -> bool:
        return (follower.id, followed.id) in self.following

    def follow(self, follower: User, followed: User) -> bool:
        """`follower` follows `followed` (counts move once); False if they already did."""
        if self.follows(follower, followed):
            return False
        self.following.add((follower.id, followed.id))
        follower.following_count += 1
        followed.followers_count += 1
        return True

    def like(self, user: User, post: Post) -> bool:
        """`user` likes `post` (its like_count moves once); False if they already did."""
        if (user.id, post.id) in self.likes:
            return False
        self.likes.add((user.id, post.id))
        post.metrics["like_count"] = post.metrics.get("like_count", 0) + 1
        user.like_count += 1
        return True

    def dm_allowed(self, sender: User, recipient: User) -> bool:
        """X's rule: anyone may message a user who accepts DMs from everyone; a user with closed DMs
        accepts them from accounts they follow, and replies in a conversation they wrote in."""
        if recipient.accepts_dms or self.follows(recipient, sender):
            return True
        conv = self.conversation_between(sender, recipient, create=False)
        return conv is not None and any(self.dm_events[e].sender_id == recipient.id for e in conv.event_ids)

    def send_dm(
        self,
        sender: User,
        conversation: DmConversation,
        text: str,
        *,
        created_at: float | None = None,
        source: str = "control",
    ) -> DmEvent:
        now = self.now()
        event = DmEvent(
            id=self.ids.mint(now, at=created_at),
            conversation_id=conversation.id,
            sender_id=sender.id,
            text=text,
            created_at=now if created_at is None else created_at,
            source=source,
        )
        self.dm_events[event.id] = event
        conversation.event_ids.append(event.id)
        return event

    def dm_events_of(self, user: User, conversation_id: str | None = None) -> list[DmEvent]:
        """Newest first, from the conversations `user` is in."""
        convs = [
            c
            for c in self.conversations.values()
            if user.id in c.participant_ids and (conversation_id is None or c.id == conversation_id)
        ]
        events = [self.dm_events[e] for c in convs for e in c.event_ids]
        events.sort(key=lambda e: e.id, reverse=True)
        return events
