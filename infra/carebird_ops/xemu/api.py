"""The X API v2 endpoints. Each handler gets a validated request and returns (status, body)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Request

from carebird_ops.xemu import errors
from carebird_ops.xemu import search as searchmod
from carebird_ops.xemu import text as textmod
from carebird_ops.xemu.auth import Principal
from carebird_ops.xemu.errors import ParamError, XApiError
from carebird_ops.xemu.ids import snowflake_floor, snowflake_time
from carebird_ops.xemu.model import DmConversation, DmEvent, Post, User
from carebird_ops.xemu.params import (
    ID_PATTERN,
    decode_page_token,
    encode_page_token,
    path_id,
    path_username,
    rfc3339,
)
from carebird_ops.xemu.render import Renderer
from carebird_ops.xemu.state import EmulatorState

Json = dict[str, Any]
Result = tuple[int, Json]
DM_TEXT_LIMIT = 10_000


@dataclass
class Context:
    state: EmulatorState
    principal: Principal
    query: Mapping[str, object]
    request: Request

    @property
    def viewer_id(self) -> str | None:
        return self.principal.user.id if self.principal.user else None

    @property
    def me(self) -> User:
        assert self.principal.user is not None  # user-context-only routes are checked before dispatch
        return self.principal.user

    def renderer(self) -> Renderer:
        return Renderer(self.state, self.viewer_id, self.query)

    def json_body(self) -> Json:
        raw = self.request.get_data(as_text=True)
        try:
            body = json.loads(raw) if raw.strip() else None
        except ValueError:
            raise errors.body_error("Request body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise errors.body_error("Request body must be a JSON object.")
        return body


def _invalid(name: str, raw: str, message: str) -> XApiError:
    return errors.invalid_request([ParamError({name: [raw]}, message)])


def _path_id(name: str, raw: str) -> int:
    try:
        return path_id(name, raw)
    except ParamError as exc:
        raise errors.invalid_request([exc]) from None


# Users


def get_users_me(ctx: Context) -> Result:
    r = ctx.renderer()
    data = r.user(ctx.me)
    r.expand_user(ctx.me)
    return 200, r.envelope(data)


def _user_lookup(ctx: Context, found: list[User], missing: list[Json], *, single: bool) -> Result:
    r = ctx.renderer()
    r.errors.extend(missing)
    data = [r.user(u) for u in found]
    for u in found:
        r.expand_user(u)
    if single:
        return 200, r.envelope(data[0] if data else None)
    return 200, r.envelope(data)


def get_users_by_id(ctx: Context, id: str) -> Result:
    _path_id("id", id)
    user = ctx.state.users.get(id)
    if user is None:
        return _user_lookup(ctx, [], [errors.not_found_entry("user", "id", id)], single=True)
    return _user_lookup(ctx, [user], [], single=True)


def get_users_by_username(ctx: Context, username: str) -> Result:
    try:
        path_username("username", username)
    except ParamError as exc:
        raise errors.invalid_request([exc]) from None
    user = ctx.state.user_by_username(username)
    if user is None:
        return _user_lookup(
            ctx, [], [errors.not_found_entry("user", "username", username, what="username")], single=True
        )
    return _user_lookup(ctx, [user], [], single=True)


def get_users_by_ids(ctx: Context) -> Result:
    found, missing = [], []
    for raw in ctx.query["ids"]:  # type: ignore[attr-defined]
        user = ctx.state.users.get(raw)
        if user is None:
            missing.append(errors.not_found_entry("user", "ids", raw))
        else:
            found.append(user)
    return _user_lookup(ctx, found, missing, single=False)


def get_users_by_usernames(ctx: Context) -> Result:
    found, missing = [], []
    for raw in ctx.query["usernames"]:  # type: ignore[attr-defined]
        user = ctx.state.user_by_username(raw)
        if user is None:
            missing.append(errors.not_found_entry("user", "usernames", raw, what="username"))
        else:
            found.append(user)
    return _user_lookup(ctx, found, missing, single=False)


# Posts


def _page_boundary(ctx: Context, base: int, name: str = "pagination_token") -> int | None:
    token = ctx.query.get(name)
    if token is None and name == "next_token":  # search takes either spelling
        name, token = "pagination_token", ctx.query.get("pagination_token")
    if token is None:
        return None
    boundary = decode_page_token(str(token), base)
    if boundary is None:
        raise _invalid(name, str(token), f"The `{name}` query parameter value [{token}] is not valid")
    return boundary


def get_users_mentions(ctx: Context, id: str) -> Result:
    _path_id("id", id)
    _check_time_window(ctx)
    user = ctx.state.users.get(id)
    if user is None:
        return 200, {"errors": [errors.not_found_entry("user", "id", id)]}
    return _timeline(ctx, ctx.state.mentions_of(user, ctx.viewer_id))


def get_users_posts(ctx: Context, id: str) -> Result:
    """The user's own posts, newest first (retweets included unless excluded), as X's user timeline."""
    _path_id("id", id)
    _check_time_window(ctx)
    user = ctx.state.users.get(id)
    if user is None:
        return 200, {"errors": [errors.not_found_entry("user", "id", id)]}
    exclude = ctx.query.get("exclude") or frozenset()
    assert isinstance(exclude, frozenset)
    posts = [
        p
        for p in reversed(ctx.state.posts_by(user.id))
        if not p.deleted
        and ctx.state.visible(p, ctx.viewer_id)
        and not ("replies" in exclude and p.in_reply_to_id is not None)
        and not ("retweets" in exclude and p.retweeted_id is not None)
    ]
    # X serves only the most recent 3200 posts of a user timeline.
    return _timeline(ctx, posts[: ctx.state.settings.user_timeline_cap])


def _check_time_window(ctx: Context) -> None:
    start, end = ctx.query.get("start_time"), ctx.query.get("end_time")
    if isinstance(start, float) and isinstance(end, float) and start >= end:
        raise _invalid(
            "start_time",
            ctx.request.args["start_time"],
            f"Invalid 'start_time':'{ctx.request.args['start_time']}'. 'start_time' must be before "
            f"'end_time':'{ctx.request.args['end_time']}'",
        )


def search_posts_recent(ctx: Context) -> Result:
    """Recent search: matching posts of the last 7 days, newest first, paged by next_token."""
    raw = str(ctx.query["query"])
    try:
        query = searchmod.parse(raw)
    except ParamError as exc:
        raise errors.invalid_request([exc]) from None
    if ctx.query.get("sort_order") == "relevancy":
        raise _invalid("sort_order", "relevancy", "sort_order=relevancy is valid on X but not emulated")
    _check_time_window(ctx)
    now = ctx.state.now()
    horizon = now - searchmod.SEARCH_WINDOW_SECONDS
    start, end, since_id = ctx.query.get("start_time"), ctx.query.get("end_time"), ctx.query.get("since_id")
    args = ctx.request.args
    if isinstance(start, float) and start < horizon:
        raise _invalid(
            "start_time",
            args["start_time"],
            f"Invalid 'start_time':'{args['start_time']}'. 'start_time' must be on or after "
            f"{rfc3339(horizon)}",
        )
    if isinstance(end, float) and end > now - 10:
        raise _invalid(
            "end_time",
            args["end_time"],
            f"Invalid 'end_time':'{args['end_time']}'. 'end_time' must be a minimum of 10 seconds prior "
            "to the request time.",
        )
    if isinstance(since_id, int) and snowflake_time(since_id) < horizon:
        raise _invalid(
            "since_id",
            args["since_id"],
            f"Invalid 'since_id':'{args['since_id']}'. 'since_id' must be a tweet id created after "
            f"{rfc3339(horizon)}. Please use a 'since_id' that is larger than {snowflake_floor(horizon)}",
        )
    state = ctx.state
    found = [
        p
        for p in state.posts.values()
        if p.created_at >= horizon
        and not p.deleted
        and state.visible(p, ctx.viewer_id)
        and searchmod.matches(query, p, state.users)
    ]
    found.sort(key=lambda p: p.id, reverse=True)
    return _timeline(ctx, found, token_name="next_token")


def _timeline(ctx: Context, posts: list[Post], token_name: str = "pagination_token") -> Result:
    """One page of a newest-first timeline, windowed by since/until ids or times, as X pages them."""
    q = ctx.query
    start, end = q.get("start_time"), q.get("end_time")
    since_id, until_id = q.get("since_id"), q.get("until_id")
    if isinstance(since_id, int):  # since_id wins over start_time, as X documents
        posts = [p for p in posts if p.id > since_id]
    elif isinstance(start, float):
        posts = [p for p in posts if p.created_at >= start]
    if isinstance(until_id, int):
        posts = [p for p in posts if p.id < until_id]
    elif isinstance(end, float):
        posts = [p for p in posts if p.created_at < end]
    boundary = _page_boundary(ctx, 36, token_name)
    if boundary is not None:
        posts = [p for p in posts if p.id < boundary]
    max_results = q.get("max_results", 10)
    assert isinstance(max_results, int)
    page = posts[:max_results]
    r = ctx.renderer()
    data = [r.tweet(p) for p in page]
    for p in page:
        r.expand_tweet(p)
    meta: Json = {"result_count": len(page)}
    if page:
        meta["newest_id"] = str(page[0].id)
        meta["oldest_id"] = str(page[-1].id)
    if len(posts) > len(page):
        meta["next_token"] = encode_page_token(page[-1].id, 36)
    return 200, r.envelope(data, meta)


def _tweet_lookup(ctx: Context, ids: list[str], parameter: str, *, single: bool) -> Result:
    r = ctx.renderer()
    found: list[Post] = []
    for raw in ids:
        post = ctx.state.live_post(int(raw))
        if post is None:
            r.errors.append(errors.not_found_entry("tweet", parameter, raw))
        elif not ctx.state.visible(post, ctx.viewer_id):
            r.errors.append(errors.not_authorized_entry("tweet", parameter, raw))
        else:
            found.append(post)
    data = [r.tweet(p) for p in found]
    for p in found:
        r.expand_tweet(p)
    if single:
        return 200, r.envelope(data[0] if data else None)
    return 200, r.envelope(data)


def get_posts_by_id(ctx: Context, id: str) -> Result:
    _path_id("id", id)
    return _tweet_lookup(ctx, [id], "id", single=True)


def get_posts_by_ids(ctx: Context) -> Result:
    return _tweet_lookup(ctx, list(ctx.query["ids"]), "ids", single=False)  # type: ignore[call-overload]


_CREATE_FIELDS = {
    "text", "reply", "quote_tweet_id", "reply_settings", "for_super_followers_only", "nullcast",
    "share_with_followers", "media", "poll", "card_uri", "geo", "direct_message_deep_link", "community_id",
    "edit_options",
}  # fmt: skip
_NOT_EMULATED = (
    "media",
    "poll",
    "card_uri",
    "geo",
    "direct_message_deep_link",
    "community_id",
    "edit_options",
)
_REPLY_FIELDS = {"in_reply_to_tweet_id", "exclude_reply_user_ids", "auto_populate_reply_metadata"}
_REPLY_SETTINGS = ("following", "mentionedUsers", "subscribers", "verified")


def _not_in_schema(where: str) -> XApiError:
    return errors.body_error(
        f"$.{where}: is not defined in the schema and the schema does not allow additional properties"
    )


def _tweet_id(value: object, where: str) -> int:
    if not isinstance(value, str):
        raise errors.body_error(f"$.{where}: {type(value).__name__} found, string expected")
    try:
        return path_id(where, value)
    except ParamError:
        raise errors.body_error(f"$.{where}: does not match the regex pattern {ID_PATTERN}") from None


def create_posts(ctx: Context) -> Result:
    body = ctx.json_body()
    for key in body:
        if key not in _CREATE_FIELDS:
            raise _not_in_schema(key)
    for key in _NOT_EMULATED:
        if key in body:
            raise errors.body_error(f"$.{key}: is valid on X but not emulated by carebird's X API emulator")
    text = body.get("text")
    if text is not None and not isinstance(text, str):
        raise errors.body_error(f"$.text: {type(text).__name__} found, string expected")
    reply_to: int | None = None
    if "reply" in body:
        reply = body["reply"]
        if not isinstance(reply, dict) or "in_reply_to_tweet_id" not in reply:
            raise errors.body_error("$.reply.in_reply_to_tweet_id: is missing but it is required")
        extra = set(reply) - _REPLY_FIELDS
        if extra:
            raise _not_in_schema(f"reply.{sorted(extra)[0]}")
        reply_to = _tweet_id(reply["in_reply_to_tweet_id"], "reply.in_reply_to_tweet_id")
    quote_of = _tweet_id(body["quote_tweet_id"], "quote_tweet_id") if "quote_tweet_id" in body else None
    reply_settings = body.get("reply_settings", "everyone")
    if "reply_settings" in body and reply_settings not in _REPLY_SETTINGS:
        raise errors.body_error(
            f"$.reply_settings: does not have a value in the enumeration {list(_REPLY_SETTINGS)}"
        )
    if not text and quote_of is None:
        raise errors.body_error(
            "$.text: is missing but it is required (or one of media, poll, quote_tweet_id)"
        )

    state, me = ctx.state, ctx.me
    limit = textmod.MAX_NOTE_TWEET_LENGTH if me.verified else textmod.MAX_WEIGHTED_LENGTH
    wrapped, _ = textmod.wrap_links(text or "")
    if textmod.weighted_length(wrapped) > limit:
        raise errors.forbidden(
            "Your Tweet text is too long. For more information on how Twitter determines text length see "
            "https://github.com/twitter/twitter-text."
        )
    parent = state.live_post(reply_to) if reply_to is not None else None
    if reply_to is not None and (parent is None or not state.visible(parent, me.id)):
        raise errors.forbidden("You attempted to reply to a Tweet that is deleted or not visible to you.")
    quoted = state.live_post(quote_of) if quote_of is not None else None
    if quote_of is not None and (quoted is None or not state.visible(quoted, me.id)):
        raise errors.forbidden("You attempted to quote a Tweet that is deleted or not visible to you.")
    if parent is not None and not ctx.principal.app.enterprise and not state.may_reply(me, parent):
        author = state.users[parent.author_id]
        raise errors.forbidden(
            "Reply to this conversation is not allowed because you have not been mentioned or otherwise "
            f"engaged by the author of the post you are replying to (@{author.username} neither mentioned "
            f"nor quoted @{me.username}; programmatic replies on self-serve plans require it since 2026)."
        )
    if text and state.recent_duplicate(me, text) is not None:
        raise errors.forbidden("You are not allowed to create a Tweet with duplicate content.")
    post = state.create_post(
        me,
        text or "",
        in_reply_to=reply_to,
        quote_of=quote_of,
        reply_settings="everyone" if reply_settings == "everyone" else str(reply_settings),
        source=f"api:{ctx.principal.app.name}",
    )
    # TweetCreateResponse declares id and text only.
    return 201, {"data": {"id": str(post.id), "text": state.display_text(post)}}


def delete_posts(ctx: Context, id: str) -> Result:
    post_id = _path_id("id", id)
    post = ctx.state.live_post(post_id)
    if post is None:
        raise errors.not_found("tweet", "id", id)
    if post.author_id != ctx.me.id:
        raise errors.forbidden("You are not allowed to delete a Tweet you did not create.")
    post.deleted = True
    return 200, {"data": {"deleted": True}}


# Likes and follows (as the authenticated user: the path's id must be theirs)


def _acting_user(ctx: Context, id: str, what: str) -> User:
    _path_id("id", id)
    if id != ctx.me.id:
        raise errors.forbidden(f"You are not allowed to {what} on behalf of another user.")
    return ctx.me


def _body_id(ctx: Context, name: str) -> str:
    body = ctx.json_body()
    extra = set(body) - {name}
    if extra:
        raise errors.body_error(f"$.{sorted(extra)[0]}: is not defined in the schema")
    value = body.get(name)
    if value is None:
        raise errors.body_error(f"$.{name}: is missing but it is required")
    if not isinstance(value, str) or not re.fullmatch(ID_PATTERN, value):
        raise errors.body_error(f'$.{name}: does not match "{ID_PATTERN}"')
    return value


def like_post(ctx: Context, id: str) -> Result:
    me = _acting_user(ctx, id, "like")
    tweet_id = _body_id(ctx, "tweet_id")
    post = ctx.state.live_post(int(tweet_id))
    if post is None or not ctx.state.visible(post, me.id):
        raise errors.not_found("tweet", "tweet_id", tweet_id)
    ctx.state.like(me, post)
    return 200, {"data": {"liked": True}}


def follow_user(ctx: Context, id: str) -> Result:
    me = _acting_user(ctx, id, "follow")
    target_id = _body_id(ctx, "target_user_id")
    target = ctx.state.users.get(target_id)
    if target is None:
        raise errors.not_found("user", "target_user_id", target_id)
    if target.id == me.id:
        raise errors.forbidden("You cannot follow yourself.")
    if target.protected:
        # A protected account's owner approves followers; the emulator has nobody to approve.
        return 200, {"data": {"following": False, "pending_follow": True}}
    ctx.state.follow(me, target)
    return 200, {"data": {"following": True, "pending_follow": False}}


# Direct messages


def _dm_text(ctx: Context) -> str:
    body = ctx.json_body()
    if "attachments" in body:
        raise errors.body_error("$.attachments: is valid on X but not emulated by carebird's X API emulator")
    extra = set(body) - {"text"}
    if extra:
        raise errors.body_error(f"$.{sorted(extra)[0]}: is not defined in the schema")
    text = body.get("text")
    if not isinstance(text, str) or not text:
        raise errors.body_error("$.text: is missing but it is required")
    if len(text) > DM_TEXT_LIMIT:
        raise errors.body_error(f"$.text: may only be {DM_TEXT_LIMIT} characters long")
    return text


def _send(ctx: Context, conversation: DmConversation, text: str) -> Result:
    me = ctx.me
    for other_id in conversation.participant_ids:
        other = ctx.state.users[other_id]
        if other_id != me.id and not ctx.state.dm_allowed(me, other):
            raise errors.forbidden("You cannot send messages to this user.")
    event = ctx.state.send_dm(me, conversation, text, source=f"api:{ctx.principal.app.name}")
    return 201, {"data": {"dm_conversation_id": conversation.id, "dm_event_id": str(event.id)}}


def create_dm_by_participant(ctx: Context, participant_id: str) -> Result:
    _path_id("participant_id", participant_id)
    text = _dm_text(ctx)
    recipient = ctx.state.users.get(participant_id)
    if recipient is None:
        raise _invalid(
            "participant_id",
            participant_id,
            f"The `participant_id` value [{participant_id}] is not a known user",
        )
    if recipient.id == ctx.me.id:
        raise _invalid("participant_id", participant_id, "You cannot send a Direct Message to yourself")
    conversation = ctx.state.conversation_between(ctx.me, recipient)
    assert conversation is not None
    return _send(ctx, conversation, text)


def _conversation(ctx: Context, conversation_id: str) -> DmConversation | None:
    conv = ctx.state.conversations.get(conversation_id)
    if conv is None and "-" in conversation_id:
        # A one-to-one id names its participants, so it is valid before the first message.
        ids = conversation_id.split("-")
        users = [ctx.state.users.get(i) for i in ids]
        if len(ids) == 2 and all(users) and conversation_id == "-".join(sorted(ids, key=int)):
            a, b = users
            assert a is not None and b is not None
            conv = ctx.state.conversation_between(a, b)
    return conv


def create_dm_by_conversation(ctx: Context, dm_conversation_id: str) -> Result:
    text = _dm_text(ctx)
    conv = _conversation(ctx, dm_conversation_id)
    if conv is None:
        raise errors.generic(
            404, "Not Found Error", f"Could not find DM conversation: [{dm_conversation_id}]."
        )
    if ctx.me.id not in conv.participant_ids:
        raise errors.forbidden("You are not a participant in this conversation.")
    return _send(ctx, conv, text)


def _dm_page(ctx: Context, events: list[DmEvent]) -> Result:
    types = ctx.query.get("event_types")
    if isinstance(types, frozenset):
        events = [e for e in events if e.event_type in types]
    boundary = _page_boundary(ctx, 32)
    if boundary is not None:
        events = [e for e in events if e.id < boundary]
    max_results = ctx.query.get("max_results", 100)
    assert isinstance(max_results, int)
    page = events[:max_results]
    r = ctx.renderer()
    data = [r.dm_event(e) for e in page]
    for e in page:
        r.expand_dm_event(e)
    meta: Json = {"result_count": len(page)}
    if len(events) > len(page):
        meta["next_token"] = encode_page_token(page[-1].id, 32)
    return 200, r.envelope(data, meta)


def get_dm_events(ctx: Context) -> Result:
    return _dm_page(ctx, ctx.state.dm_events_of(ctx.me))


def get_dm_events_by_participant(ctx: Context, participant_id: str) -> Result:
    _path_id("participant_id", participant_id)
    other = ctx.state.users.get(participant_id)
    if other is None:
        return 200, {"errors": [errors.not_found_entry("user", "participant_id", participant_id)]}
    conv = ctx.state.conversation_between(ctx.me, other, create=False)
    return _dm_page(ctx, ctx.state.dm_events_of(ctx.me, conv.id) if conv else [])


def get_dm_events_by_conversation(ctx: Context, id: str) -> Result:
    conv = ctx.state.conversations.get(id)
    if conv is not None and ctx.me.id not in conv.participant_ids:
        raise errors.forbidden("You are not a participant in this conversation.")
    return _dm_page(ctx, ctx.state.dm_events_of(ctx.me, id) if conv else [])


HANDLERS: dict[str, Callable[..., Result]] = {
    "getUsersMe": get_users_me,
    "getUsersById": get_users_by_id,
    "getUsersByUsername": get_users_by_username,
    "getUsersByIds": get_users_by_ids,
    "getUsersByUsernames": get_users_by_usernames,
    "getUsersMentions": get_users_mentions,
    "getUsersPosts": get_users_posts,
    "searchPostsRecent": search_posts_recent,
    "getPostsById": get_posts_by_id,
    "getPostsByIds": get_posts_by_ids,
    "createPosts": create_posts,
    "deletePosts": delete_posts,
    "createDirectMessagesByParticipantId": create_dm_by_participant,
    "createDirectMessagesByConversationId": create_dm_by_conversation,
    "likePost": like_post,
    "followUser": follow_user,
    "getDirectMessagesEvents": get_dm_events,
    "getDirectMessagesEventsByParticipantId": get_dm_events_by_participant,
    "getDirectMessagesEventsByConversationId": get_dm_events_by_conversation,
}
