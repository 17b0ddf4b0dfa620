"""The emulator against X's official OpenAPI description: the same operations and parameters, and
responses (successes and failures) that validate against X's own response schemas."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from carebird_ops.xemu.faults import FaultRule
from carebird_ops.xemu.operations import (
    DM_EVENT_FIELDS,
    OPERATIONS,
    TWEET_EXPANSIONS,
    TWEET_FIELDS,
    USER_FIELDS,
)
from carebird_ops.xemu.params import EnumList, IdList, IntRange
from carebird_ops.xemu.server import EmulatorHandle, start
from tests.contract.xemu_harness import BRAND, OpenApi, http_session, openapi


@pytest.fixture(scope="module")
def spec() -> OpenApi:
    return openapi()


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorHandle]:
    with start() as handle:
        yield handle


# The operations table mirrors X's description.


def _spec_params(spec: OpenApi, op: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {}
    for param in op.get("parameters", []):
        param = spec.resolve(param)
        if param["in"] == "query":
            out[param["name"]] = spec.resolve(param["schema"])
    return out


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.name)
def test_operation_matches_x(spec: OpenApi, operation: Any) -> None:
    method, path, op = spec.operation(operation.name)
    assert (method, path) == (operation.method, operation.path)
    query = _spec_params(spec, op)
    assert set(operation.query) == set(query), "query parameters differ from X's"
    for name, param in operation.query.items():
        schema = query[name]
        if isinstance(param, EnumList):
            assert set(param.allowed) == set(spec.resolve(schema["items"])["enum"]), name
        elif isinstance(param, IntRange):
            assert (param.low, param.high) == (schema["minimum"], schema["maximum"]), name
        elif isinstance(param, IdList):
            assert param.max_items == schema["maxItems"], name
    required = {spec.resolve(p)["name"] for p in op.get("parameters", []) if spec.resolve(p).get("required")}
    assert set(operation.required) == {n for n in required if n in query}
    app_only_allowed = any("BearerToken" in s for s in op["security"])
    assert operation.user_context_only is not app_only_allowed, "user-context-only differs from X's security"


# Live responses validate against X's response schemas.


@dataclass
class World:
    brand_id: str
    alice_id: str
    shy_id: str
    mention: str
    long_mention: str
    brand_post: str
    quote: str
    retweet: str
    protected: str
    stranger: str
    conversation: str


def _build_world(emu: EmulatorHandle) -> World:
    c = emu.client()
    brand = c.create_user(
        BRAND, followers=5000, verified=True, description="Help for @Acme customers #support"
    )
    alice = c.create_user("alice", followers=12)
    shy = c.create_user("shy", accepts_dms=False)
    c.create_user("novelist", verified=True)
    c.create_user("locked", protected=True)
    brand_post = c.post(BRAND, "Our app is back https://status.example.com")
    mention = c.post("alice", "@AcmeHelp where is my refund? #help https://example.com/o/1")
    for i in range(6):
        c.post(f"fan{i}", f"@AcmeHelp love it {i}")
    long_mention = c.post("novelist", "@AcmeHelp " + "This is a long complaint about my order. " * 10)
    quote = c.post("carol", "not for me", quote_of=brand_post["id"])
    retweet = c.retweet("dave", mention["id"])
    protected = c.post("locked", "@AcmeHelp private")
    dm = c.dm("alice", BRAND, "order 42 please https://example.com/o/42 @AcmeHelp")
    stranger = c.post("bob", "my flight was cancelled")
    c.post(BRAND, "We're aware of the outage")
    return World(
        brand_id=brand["id"],
        alice_id=alice["id"],
        shy_id=shy["id"],
        mention=mention["id"],
        long_mention=long_mention["id"],
        brand_post=brand_post["id"],
        quote=quote["id"],
        retweet=retweet["id"],
        protected=protected["id"],
        stranger=stranger["id"],
        conversation=dm["dm_conversation_id"],
    )


ALL_TWEET = {
    "tweet.fields": ",".join(TWEET_FIELDS),
    "expansions": ",".join(TWEET_EXPANSIONS),
    "user.fields": ",".join(USER_FIELDS),
}
ALL_USER = {
    "user.fields": ",".join(USER_FIELDS),
    "expansions": "most_recent_tweet_id,pinned_tweet_id",
    "tweet.fields": ",".join(TWEET_FIELDS),
}
ALL_DM = {
    "dm_event.fields": ",".join(DM_EVENT_FIELDS),
    "expansions": "sender_id,participant_ids",
    "user.fields": "username,verified",
}


@dataclass(frozen=True)
class Call:
    operation: str
    method: str
    path: str
    params: dict[str, str] | None = None
    body: dict[str, Any] | None = None
    user: str | None = BRAND  # None: app-only bearer
    anonymous: bool = False


def scenarios(w: World) -> dict[str, tuple[Call, int]]:
    """Every operation's success, and each kind of failure, as (request, expected status)."""
    mentions = f"/2/users/{w.brand_id}/mentions"
    to_alice = f"/2/dm_conversations/with/{w.alice_id}/messages"
    create, dm_create = "createPosts", "createDirectMessagesByParticipantId"
    return {
        "me": (Call("getUsersMe", "GET", "/2/users/me", ALL_USER), 200),
        "user by id": (Call("getUsersById", "GET", f"/2/users/{w.brand_id}", ALL_USER, user=None), 200),
        "user by id, unknown": (Call("getUsersById", "GET", "/2/users/42", user=None), 200),
        "user by username": (Call("getUsersByUsername", "GET", "/2/users/by/username/alice", ALL_USER), 200),
        "users by ids": (
            Call("getUsersByIds", "GET", "/2/users", {"ids": f"{w.alice_id},{w.brand_id},42", **ALL_USER}),
            200,
        ),
        "users by usernames": (
            Call("getUsersByUsernames", "GET", "/2/users/by", {"usernames": "alice,nobody"}, user=None),
            200,
        ),
        "mentions, every field": (
            Call("getUsersMentions", "GET", mentions, {"max_results": "5", **ALL_TWEET}),
            200,
        ),
        "mentions, app-only": (Call("getUsersMentions", "GET", mentions, ALL_TWEET, user=None), 200),
        "mentions, empty": (Call("getUsersMentions", "GET", mentions, {"since_id": w.retweet}), 200),
        "mentions, unknown user": (Call("getUsersMentions", "GET", "/2/users/42/mentions"), 200),
        "user timeline, every field": (
            Call("getUsersPosts", "GET", f"/2/users/{w.brand_id}/tweets", {"max_results": "5", **ALL_TWEET}),
            200,
        ),
        "user timeline, app-only, no replies": (
            Call("getUsersPosts", "GET", f"/2/users/{w.brand_id}/tweets", {"exclude": "replies"}, user=None),
            200,
        ),
        "search recent, every field": (
            Call("searchPostsRecent", "GET", "/2/tweets/search/recent", {"query": "@AcmeHelp", **ALL_TWEET}),
            200,
        ),
        "search recent, app-only, paged": (
            Call(
                "searchPostsRecent",
                "GET",
                "/2/tweets/search/recent",
                {"query": "@AcmeHelp -from:AcmeHelp", "max_results": "10", "since_id": w.mention},
                user=None,
            ),
            200,
        ),
        "400 search syntax not emulated": (
            Call("searchPostsRecent", "GET", "/2/tweets/search/recent", {"query": "@AcmeHelp has:media"}),
            400,
        ),
        "post": (Call("getPostsById", "GET", f"/2/tweets/{w.quote}", ALL_TWEET, user=None), 200),
        "post, long": (Call("getPostsById", "GET", f"/2/tweets/{w.long_mention}", ALL_TWEET), 200),
        "post, unknown": (Call("getPostsById", "GET", "/2/tweets/42"), 200),
        "posts": (
            Call("getPostsByIds", "GET", "/2/tweets", {"ids": f"{w.retweet},{w.mention},42,{w.protected}"}),
            200,
        ),
        "create reply": (
            Call(
                create,
                "POST",
                "/2/tweets",
                body={"text": "On it", "reply": {"in_reply_to_tweet_id": w.mention}},
            ),
            201,
        ),
        "create quote": (
            Call(create, "POST", "/2/tweets", body={"text": "thanks!", "quote_tweet_id": w.mention}),
            201,
        ),
        "delete": (Call("deletePosts", "DELETE", f"/2/tweets/{w.brand_post}"), 200),
        "like": (Call("likePost", "POST", f"/2/users/{w.brand_id}/likes", body={"tweet_id": w.mention}), 200),
        "follow": (
            Call("followUser", "POST", f"/2/users/{w.brand_id}/following", body={"target_user_id": w.shy_id}),
            200,
        ),
        "403 like for another user": (
            Call("likePost", "POST", f"/2/users/{w.alice_id}/likes", body={"tweet_id": w.mention}),
            403,
        ),
        "400 follow without target": (
            Call("followUser", "POST", f"/2/users/{w.brand_id}/following", body={}),
            400,
        ),
        "dm to participant": (Call(dm_create, "POST", to_alice, body={"text": "Hi Alice"}), 201),
        "dm to conversation": (
            Call(
                "createDirectMessagesByConversationId",
                "POST",
                f"/2/dm_conversations/{w.conversation}/messages",
                body={"text": "More help"},
            ),
            201,
        ),
        "dm events": (Call("getDirectMessagesEvents", "GET", "/2/dm_events", ALL_DM), 200),
        "dm events with participant": (
            Call(
                "getDirectMessagesEventsByParticipantId",
                "GET",
                f"/2/dm_conversations/with/{w.alice_id}/dm_events",
                ALL_DM,
            ),
            200,
        ),
        "dm events of conversation": (
            Call(
                "getDirectMessagesEventsByConversationId",
                "GET",
                f"/2/dm_conversations/{w.conversation}/dm_events",
                {"max_results": "1", **ALL_DM},
            ),
            200,
        ),
        "400 bad parameters": (
            Call(
                "getUsersMentions",
                "GET",
                mentions,
                {"max_results": "3", "since_id": "abc", "tweet.fields": "x"},
            ),
            400,
        ),
        "400 unknown parameter": (Call("getPostsByIds", "GET", "/2/tweets", {"ids": "1", "x": "y"}), 400),
        "400 bad body": (Call(create, "POST", "/2/tweets", body={"txt": "typo"}), 400),
        "400 dm to oneself": (
            Call(dm_create, "POST", f"/2/dm_conversations/with/{w.brand_id}/messages", body={"text": "me"}),
            400,
        ),
        "401 no credentials": (Call("getUsersMe", "GET", "/2/users/me", anonymous=True), 401),
        "403 app-only on a user route": (Call("getUsersMe", "GET", "/2/users/me", user=None), 403),
        "403 reply rule": (
            Call(
                create,
                "POST",
                "/2/tweets",
                body={"text": "hi", "reply": {"in_reply_to_tweet_id": w.stranger}},
            ),
            403,
        ),
        "403 duplicate": (Call(create, "POST", "/2/tweets", body={"text": "We're aware of the outage"}), 403),
        "403 closed DMs": (
            Call(dm_create, "POST", f"/2/dm_conversations/with/{w.shy_id}/messages", body={"text": "hello"}),
            403,
        ),
        "404 delete unknown": (Call("deletePosts", "DELETE", "/2/tweets/42"), 404),
    }


SCENARIO_NAMES = list(scenarios(World(*["1"] * len(World.__dataclass_fields__))))


def _send(emu: EmulatorHandle, call: Call) -> requests.Response:
    session = requests.Session() if call.anonymous else http_session(call.user)
    return session.request(call.method, emu.url + call.path, params=call.params, json=call.body, timeout=10)


@pytest.fixture
def world(emulator: EmulatorHandle) -> World:
    emulator.state.reset()
    return _build_world(emulator)


@pytest.mark.parametrize("name", SCENARIO_NAMES)
def test_response_matches_x_schema(spec: OpenApi, emulator: EmulatorHandle, world: World, name: str) -> None:
    call, status = scenarios(world)[name]
    response = _send(emulator, call)
    assert response.status_code == status, response.text
    spec.check_response(call.operation, response)


def test_every_operation_has_a_success_scenario(world: World) -> None:
    covered = {call.operation for call, status in scenarios(world).values() if status < 300}
    assert covered == {op.name for op in OPERATIONS}


def test_throttling_and_server_errors_match_x_schema(
    spec: OpenApi, emulator: EmulatorHandle, world: World
) -> None:
    emulator.state.limiter.override("getUsersMentions", "user", 1)
    mentions = Call("getUsersMentions", "GET", f"/2/users/{world.brand_id}/mentions")
    assert _send(emulator, mentions).status_code == 200
    throttled = _send(emulator, mentions)
    assert throttled.status_code == 429
    spec.check_response("getUsersMentions", throttled)

    emulator.state.faults.configure(5, [FaultRule(match="getPostsById", error_p=1.0)])
    failed = _send(emulator, Call("getPostsById", "GET", f"/2/tweets/{world.mention}"))
    assert failed.status_code in (500, 503)
    spec.check_response("getPostsById", failed)


def test_the_checker_catches_what_x_would_not_send(spec: OpenApi) -> None:
    """The schema check itself must be able to fail, or the tests above prove nothing."""
    bad_tweet = {"data": {"id": "abc", "text": "x", "created_at": "yesterday", "colour": "red"}}
    problems = spec.errors(bad_tweet, spec.response_schema("getPostsById", 200, "application/json"))
    assert any("does not match" in p for p in problems)
    assert any("is not a 'date-time'" in p for p in problems)
    assert any("/data/colour: not declared" in p for p in problems)
    not_a_problem = {"title": "Nope", "type": "https://api.twitter.com/2/problems/resource-not-found"}
    assert spec.errors(not_a_problem, spec.problem_schema(not_a_problem))
