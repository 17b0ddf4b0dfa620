"""The tweepy adapter against canned X responses at the HTTP level (requests' transport replaced)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests
from moto import mock_aws

from carebird.adapters.x.mentions import TweepyMentionsReader, XCredentials, secrets_manager_credentials
from carebird.brands import Brand
from carebird.ingest.model import MentionsQuery
from carebird.ports.x import TransientXError, XAuthError, XBadRequest, XRateLimited
from tests.support.x_http import CannedX

BRAND = Brand(handle="acme", user_id="1000", credentials_secret="carebird/test/x/acme")
CREDS = XCredentials(
    consumer_key="ck", consumer_secret="cs", access_token="at", access_token_secret="ats", bearer_token="bt"
)
RESET = 1_772_442_000  # epoch seconds
LONG = "I have been waiting for three weeks. " * 12


def rate_headers(remaining: int = 179) -> dict[str, str]:
    return {
        "x-rate-limit-limit": "180",
        "x-rate-limit-remaining": str(remaining),
        "x-rate-limit-reset": str(RESET),
    }


PAGE = {
    "data": [
        {
            "id": "1790000000000000012",
            "author_id": "55",
            "text": LONG[:270] + "…",
            "note_tweet": {"text": LONG},
            "created_at": "2026-03-02T09:00:05.000Z",
            "conversation_id": "1790000000000000010",
            "in_reply_to_user_id": "1000",
            "referenced_tweets": [{"type": "replied_to", "id": "1790000000000000010"}],
            "lang": "en",
            "entities": {"mentions": [{"start": 0, "end": 5, "username": "acme", "id": "1000"}]},
            "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 1, "quote_count": 0},
        },
        {
            "id": "1790000000000000011",
            "author_id": "56",
            "text": "RT @acme: spring sale",
            "created_at": "2026-03-02T09:00:01.000Z",
            "referenced_tweets": [{"type": "retweeted", "id": "1790000000000000001"}],
        },
    ],
    "includes": {
        "users": [
            {
                "id": "55",
                "username": "waiting_wanda",
                "name": "Wanda",
                "verified": False,
                "public_metrics": {"followers_count": 321},
            },
            {"id": "56", "username": "rt_rick", "name": "Rick"},
        ],
    },
    "meta": {"result_count": 2, "newest_id": "1790000000000000012", "next_token": "7140dibdnow9c7btw4"},
}


def reader(
    transport: CannedX, creds: Callable[[str], XCredentials] = lambda _: CREDS
) -> TweepyMentionsReader:
    return TweepyMentionsReader(creds, None, timeout_seconds=7, transport=transport)


def test_the_request_is_user_context_with_the_fields_triage_needs() -> None:
    x = CannedX((200, {"meta": {"result_count": 0}}, rate_headers()))
    reader(x).read(BRAND, MentionsQuery(since_id="1790000000000000000", pagination_token="abc"))

    (sent,) = x.requests
    url = urlsplit(sent.url or "")
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert (sent.method, url.netloc, url.path) == ("GET", "api.twitter.com", "/2/users/1000/mentions")
    assert query["since_id"] == "1790000000000000000" and query["pagination_token"] == "abc"
    assert query["max_results"] == "100"
    assert {"note_tweet", "referenced_tweets", "author_id", "entities", "created_at"} <= set(
        query["tweet.fields"].split(",")
    )
    # Nothing expanded: X bills an expanded author as a user read and a referenced post as a post read;
    # authors come from carebird.ingest.profiles.
    assert "expansions" not in query and "user.fields" not in query
    assert str(sent.headers["Authorization"]).startswith("OAuth ")  # OAuth 1.0a user context, not bearer
    assert 'oauth_consumer_key="ck"' in str(sent.headers["Authorization"])
    assert x.timeouts == [7]  # a hung connection cannot hold the poll


def test_a_backfill_window_is_sent_in_whole_seconds_with_its_until_id() -> None:
    x = CannedX((200, {"meta": {"result_count": 0}}, rate_headers()))
    window = MentionsQuery(
        start_time=datetime(2026, 3, 2, 9, 0, 0, 500000, tzinfo=UTC),
        end_time=datetime(2026, 3, 2, 9, 5, tzinfo=UTC),
        until_id="1790000000000000040",
    )
    reader(x).read(BRAND, window)

    query = parse_qs(urlsplit(x.requests[0].url or "").query)
    assert query["start_time"] == ["2026-03-02T09:00:00Z"] and query["end_time"] == ["2026-03-02T09:05:00Z"]
    assert query["until_id"] == ["1790000000000000040"] and "since_id" not in query


def test_a_page_becomes_domain_mentions_with_full_text_authors_and_rate_limit() -> None:
    x = CannedX((200, PAGE, rate_headers(remaining=12)))
    page = reader(x).read(BRAND, MentionsQuery())

    first, second = page.messages
    assert first.text == LONG  # the note_tweet, not the truncated text
    assert (first.author.username, first.author.followers_count) == ("waiting_wanda", 321)
    assert first.created_at == datetime(2026, 3, 2, 9, 0, 5, tzinfo=UTC)
    assert first.in_reply_to_user_id == "1000" and not first.is_retweet
    assert first.entities and first.entities["mentions"][0]["username"] == "acme"
    assert second.is_retweet and second.author.username == "rt_rick"
    assert page.next_token == "7140dibdnow9c7btw4"
    assert page.reads == 2  # one billed read per mention, nothing else
    assert first.referenced[0].type == "replied_to"  # ids and types of referenced posts are kept
    assert page.rate is not None and (page.rate.limit, page.rate.remaining) == (180, 12)
    assert page.rate.reset_at == datetime.fromtimestamp(RESET, UTC)


def test_an_empty_page_has_no_mentions_and_no_next_token() -> None:
    x = CannedX((200, {"meta": {"result_count": 0}}, rate_headers()))
    page = reader(x).read(BRAND, MentionsQuery(since_id="5"))
    assert (page.messages, page.next_token, page.reads) == ([], None, 0)


def test_a_429_reports_the_reset_and_is_not_retried() -> None:
    body = {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429}
    x = CannedX((429, body, rate_headers(remaining=0)))
    with pytest.raises(XRateLimited) as raised:
        reader(x).read(BRAND, MentionsQuery())
    assert raised.value.reset_at == datetime.fromtimestamp(RESET, UTC)
    assert len(x.requests) == 1


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ((401, {"title": "Unauthorized", "status": 401, "detail": "Unauthorized"}, {}), XAuthError),
        ((403, {"title": "Forbidden", "status": 403, "detail": "client-not-enrolled"}, {}), XAuthError),
        ((400, {"errors": [{"message": "Invalid since_id"}], "title": "Invalid Request"}, {}), XBadRequest),
        ((404, {"title": "Not Found Error", "status": 404}, {}), XBadRequest),
        (
            (
                200,
                {
                    "errors": [
                        {
                            "value": "1000",
                            "detail": "Could not find user with id: [1000].",
                            "title": "Not Found Error",
                            "resource_type": "user",
                            "parameter": "id",
                            "type": "https://api.twitter.com/2/problems/resource-not-found",
                        }
                    ]
                },
                {},
            ),
            XBadRequest,
        ),
        ((503, {"title": "Service Unavailable", "status": 503}, {}), TransientXError),
        ((500, "<html>oops</html>", {"content-type": "text/html"}), TransientXError),
        ((200, "<html>captive portal</html>", {"content-type": "text/html"}), TransientXError),
        (requests.ConnectionError("connection reset"), TransientXError),
        (requests.ReadTimeout("read timed out"), TransientXError),
    ],
)
def test_failures_surface_as_typed_errors(answer: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        reader(CannedX(answer)).read(BRAND, MentionsQuery())


def test_credentials_come_from_the_brand_secret_and_a_bad_secret_names_what_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        sm = boto3.client("secretsmanager")
        sm.create_secret(Name="carebird/test/x/acme", SecretString=CREDS.model_dump_json())
        sm.create_secret(Name="carebird/test/x/half", SecretString=json.dumps({"consumer_key": "ck"}))
        sm.create_secret(
            Name="carebird/test/x/empty", SecretString=json.dumps(dict.fromkeys(CREDS.model_dump(), ""))
        )
        load = secrets_manager_credentials(max_age_seconds=0)

        x = CannedX((200, {"meta": {"result_count": 0}}, rate_headers()))
        reader(x, load).read(BRAND, MentionsQuery())
        assert 'oauth_token="at"' in str(x.requests[0].headers["Authorization"])

        with pytest.raises(XAuthError, match=r"consumer_secret.*access_token"):
            load("carebird/test/x/half")
        with pytest.raises(XAuthError, match="empty: consumer_key"):
            load("carebird/test/x/empty")
        with pytest.raises(XAuthError, match="carebird/test/x/nope"):
            load("carebird/test/x/nope")


def test_a_post_the_adapter_cannot_read_is_quarantined_and_the_page_goes_on() -> None:
    broken = {"id": "1790000000000000013", "author_id": "57", "text": "@acme hi", "created_at": "yesterday"}
    page_body = {**PAGE, "data": [broken, *PAGE["data"]]}  # type: ignore[list-item]
    page = reader(CannedX((200, page_body, rate_headers()))).read(BRAND, MentionsQuery())
    poison, first, second = page.messages
    assert (first.unreadable, second.unreadable) == (None, None)
    assert poison.id == "1790000000000000013" and poison.author.id == "57"
    assert poison.unreadable is not None and "yesterday" in poison.unreadable
    assert json.loads(poison.text) == broken  # stored raw, as X sent it
    assert poison.created_at.year >= 2024  # from the id's timestamp, so the cursor can pass it
    assert page.reads == 3


def test_a_post_without_a_readable_id_fails_the_page_as_transient() -> None:
    page_body = {**PAGE, "data": [{"text": "no id"}]}
    with pytest.raises(TransientXError, match="without a readable id"):
        reader(CannedX((200, page_body, rate_headers()))).read(BRAND, MentionsQuery())
