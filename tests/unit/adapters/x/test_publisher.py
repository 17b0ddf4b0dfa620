"""The tweepy publisher against canned X answers at the HTTP level (no network)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from carebird.adapters.x.client import XCredentials
from carebird.adapters.x.publisher import TweepyPublisher, comparable, snowflake_floor
from carebird.brands import Brand
from carebird.outbound.errors import (
    DmNotAllowed,
    DuplicateContent,
    OutcomeUnknown,
    PostTooLong,
    ReplyNotAllowed,
    ReplyTargetGone,
)
from carebird.ports.x import TransientXError, XAuthError, XBadRequest, XRateLimited
from tests.support.x_http import CannedX

BRAND = Brand(handle="acme", user_id="1000", credentials_secret="carebird/test/x/acme")
CREDS = XCredentials(consumer_key="ck", consumer_secret="cs", access_token="at", access_token_secret="ats")
CUSTOMER_POST = "1790000000000000010"
SINCE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def publisher(x: CannedX) -> TweepyPublisher:
    return TweepyPublisher(lambda _: CREDS, None, timeout_seconds=7, transport=x)


def forbidden(detail: str) -> tuple[int, dict[str, Any], dict[str, str]]:
    return 403, {"title": "Forbidden", "detail": detail, "type": "about:blank", "status": 403}, {}


def test_a_reply_is_a_user_context_post_in_reply_to_the_given_post() -> None:
    x = CannedX((201, {"data": {"id": "1790000000000000020", "text": "On it"}}, {}))
    assert publisher(x).post_reply(BRAND, CUSTOMER_POST, "On it") == "1790000000000000020"
    (sent,) = x.requests
    assert (sent.method, urlsplit(sent.url or "").path) == ("POST", "/2/tweets")
    assert json.loads(sent.body or b"{}") == {
        "text": "On it",
        "reply": {"in_reply_to_tweet_id": CUSTOMER_POST},
    }
    assert str(sent.headers["Authorization"]).startswith("OAuth ")
    assert x.timeouts == [7]


def test_a_dm_goes_to_the_participant() -> None:
    x = CannedX((201, {"data": {"dm_conversation_id": "1-1000", "dm_event_id": "555"}}, {}))
    assert publisher(x).send_dm(BRAND, "1", "Refund issued") == "555"
    assert urlsplit(x.requests[0].url or "").path == "/2/dm_conversations/with/1/messages"
    assert json.loads(x.requests[0].body or b"{}") == {"text": "Refund issued"}


REFUSALS = [
    (
        "Reply to this conversation is not allowed because you have not been mentioned or otherwise engaged "
        "by the author of the post you are replying to.",
        ReplyNotAllowed,
    ),
    ("You attempted to reply to a Tweet that is deleted or not visible to you.", ReplyTargetGone),
    ("You are not allowed to create a Tweet with duplicate content.", DuplicateContent),
    (
        "Your Tweet text is too long. For more information see https://github.com/twitter/twitter-text.",
        PostTooLong,
    ),
    ("You are not permitted to perform this action.", XAuthError),
]


@pytest.mark.parametrize(("detail", "error"), REFUSALS)
def test_each_refusal_of_a_post_has_its_type(detail: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        publisher(CannedX(forbidden(detail))).post_reply(BRAND, CUSTOMER_POST, "hello")


def test_a_closed_inbox_is_dm_not_allowed() -> None:
    with pytest.raises(DmNotAllowed):
        publisher(CannedX(forbidden("You cannot send messages to this user."))).send_dm(BRAND, "1", "hi")


def test_a_429_carries_the_reset_time() -> None:
    x = CannedX((429, {"title": "Too Many Requests"}, {"x-rate-limit-reset": "1772442000"}))
    with pytest.raises(XRateLimited) as caught:
        publisher(x).post_reply(BRAND, CUSTOMER_POST, "hello")
    assert caught.value.reset_at == datetime.fromtimestamp(1772442000, UTC)


@pytest.mark.parametrize(
    "answer",
    [
        (503, {"title": "Service Unavailable", "status": 503}, {}),
        (500, "<html>oops</html>", {"content-type": "text/html"}),
        requests.ReadTimeout("read timed out"),
        requests.ConnectionError("Connection aborted: RemoteDisconnected"),
        (201, {"data": {}}, {}),  # accepted, but no id to thread the next part under
    ],
)
def test_a_write_without_a_clear_answer_may_have_happened(answer: Any) -> None:
    with pytest.raises(OutcomeUnknown):
        publisher(CannedX(answer)).post_reply(BRAND, CUSTOMER_POST, "hello")


def test_a_connect_timeout_never_reached_x() -> None:
    with pytest.raises(TransientXError) as caught:
        publisher(CannedX(requests.ConnectTimeout("connect timed out"))).post_reply(BRAND, CUSTOMER_POST, "x")
    assert not isinstance(caught.value, OutcomeUnknown)


def test_other_client_errors_are_bad_requests() -> None:
    body = {"title": "Invalid Request", "errors": [{"message": "$.text: is missing"}]}
    with pytest.raises(XBadRequest):
        publisher(CannedX((400, body, {}))).post_reply(BRAND, CUSTOMER_POST, "x")


def _post(post_id: str, text: str, parent: str = CUSTOMER_POST) -> dict[str, Any]:
    return {"id": post_id, "text": text, "referenced_tweets": [{"type": "replied_to", "id": parent}]}


def test_find_reply_matches_the_reply_to_that_post_as_x_shows_its_text() -> None:
    sent = "Thanks & sorry! Track it: https://acme.example.com/orders/42 1/2"
    shown = "Thanks &amp; sorry! Track it: https://t.co/AbCdEfGhIj 1/2"
    x = CannedX(
        (
            200,
            {
                "data": [
                    _post(
                        "1790000000000000033", shown, parent="1790000000000000099"
                    ),  # same text, other post
                    _post("1790000000000000032", "Thanks & sorry! 2/2"),
                ],
                "meta": {"next_token": "p2"},
            },
            {},
        ),
        (200, {"data": [_post("1790000000000000031", shown)], "meta": {}}, {}),
    )
    assert publisher(x).find_reply(BRAND, CUSTOMER_POST, sent, SINCE) == "1790000000000000031"
    first, second = (parse_qs(urlsplit(r.url or "").query) for r in x.requests)
    assert urlsplit(x.requests[0].url or "").path == "/2/users/1000/tweets"
    assert first["since_id"] == [str(snowflake_floor(SINCE))]  # later than the customer's post
    assert first["exclude"] == ["retweets"] and second["pagination_token"] == ["p2"]


def test_find_reply_answers_none_when_x_has_no_such_post() -> None:
    x = CannedX((200, {"meta": {"result_count": 0}}, {}))
    assert publisher(x).find_reply(BRAND, CUSTOMER_POST, "hello", SINCE) is None


def test_find_reply_refuses_to_guess_past_its_page_limit() -> None:
    body = {"data": [_post("1790000000000000040", "other")], "meta": {"next_token": "more"}}
    page: tuple[int, Any, dict[str, str]] = (200, body, {})
    x = CannedX(*[page] * 5)
    with pytest.raises(TransientXError, match="past 5 pages"):
        publisher(x).find_reply(BRAND, CUSTOMER_POST, "hello", SINCE)


def test_find_dm_matches_the_brands_message_and_stops_at_older_ones() -> None:
    events = [
        {"id": "9", "text": "Refund issued", "sender_id": "1", "created_at": "2026-03-02T09:10:00.000Z"},
        {"id": "8", "text": "Refund issued", "sender_id": "1000", "created_at": "2026-03-02T09:05:00.000Z"},
    ]
    x = CannedX((200, {"data": events, "meta": {}}, {}))
    assert publisher(x).find_dm(BRAND, "1", "Refund issued", SINCE) == "8"
    query = parse_qs(urlsplit(x.requests[0].url or "").query)
    assert urlsplit(x.requests[0].url or "").path == "/2/dm_conversations/with/1/dm_events"
    assert query["event_types"] == ["MessageCreate"]

    old = [
        {"id": "7", "text": "Refund issued", "sender_id": "1000", "created_at": "2026-03-02T08:00:00.000Z"}
    ]
    assert (
        publisher(CannedX((200, {"data": old, "meta": {"next_token": "x"}}, {}))).find_dm(
            BRAND, "1", "Refund issued", SINCE
        )
        is None
    )


def test_a_failed_lookup_is_transient_not_a_maybe() -> None:
    with pytest.raises(TransientXError) as caught:
        publisher(CannedX((503, {"title": "Service Unavailable"}, {}))).find_reply(
            BRAND, CUSTOMER_POST, "x", SINCE
        )
    assert not isinstance(caught.value, OutcomeUnknown)


def test_comparable_ignores_what_x_rewrites() -> None:
    assert comparable("a &amp; b https://t.co/xyz\n c") == comparable("a & b  https://example.com/long c")
    assert comparable("é") == comparable("e\u0301")
