"""The users lookup adapter against canned X responses at the HTTP level (requests' transport replaced)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from carebird.adapters.x.mentions import XCredentials
from carebird.adapters.x.users import MAX_IDS, TweepyUsersReader
from carebird.brands import Brand
from carebird.ingest.model import Author
from carebird.ports.x import TransientXError, XRateLimited
from tests.support.x_http import CannedX

BRAND = Brand(handle="acme", user_id="1000", credentials_secret="carebird/test/x/acme")
CREDS = XCredentials(
    consumer_key="ck", consumer_secret="cs", access_token="at", access_token_secret="ats", bearer_token="bt"
)
HEADERS = {"x-rate-limit-limit": "900", "x-rate-limit-remaining": "899", "x-rate-limit-reset": "1772442000"}


def users(x: CannedX) -> TweepyUsersReader:
    return TweepyUsersReader(lambda _: CREDS, None, timeout_seconds=7, transport=x)


def test_a_lookup_asks_for_the_ids_with_the_fields_triage_reads_in_user_context() -> None:
    body = {
        "data": [
            {
                "id": "55",
                "username": "wanda",
                "name": "Wanda",
                "public_metrics": {"followers_count": 321},
                "verified": True,
                "verified_type": "blue",
                "protected": False,
            },
            {"id": "56", "username": "rick", "name": "Rick"},
        ],
        # X answers 200 with errors for the ids it cannot return: those are left out.
        "errors": [
            {"value": "57", "detail": "Could not find user with ids: [57].", "title": "Not Found Error"}
        ],
    }
    x = CannedX((200, body, HEADERS))
    found = users(x).users(BRAND, ["55", "56", "57"])
    assert found == [
        Author(
            id="55",
            username="wanda",
            name="Wanda",
            followers_count=321,
            verified=True,
            verified_type="blue",
            protected=False,
        ),
        Author(id="56", username="rick", name="Rick"),
    ]
    (sent,) = x.requests
    url = urlsplit(sent.url or "")
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert (sent.method, url.path, query["ids"]) == ("GET", "/2/users", "55,56,57")
    assert {"username", "name", "public_metrics", "verified"} <= set(query["user.fields"].split(","))
    assert str(sent.headers["Authorization"]).startswith("OAuth ")
    assert x.timeouts == [7]


def test_ids_x_cannot_return_at_all_are_an_empty_answer_not_an_error() -> None:
    body = {
        "errors": [
            {"value": "57", "detail": "Could not find user with ids: [57].", "title": "Not Found Error"}
        ]
    }
    assert users(CannedX((200, body, HEADERS))).users(BRAND, ["57"]) == []


def test_no_ids_make_no_request_and_more_than_x_takes_are_refused() -> None:
    x = CannedX()
    assert users(x).users(BRAND, []) == []
    with pytest.raises(ValueError, match="at most 100"):
        users(x).users(BRAND, [str(i) for i in range(MAX_IDS + 1)])
    assert x.requests == []


def test_failures_are_the_typed_x_errors() -> None:
    limited = CannedX((429, {"title": "Too Many Requests"}, {**HEADERS, "x-rate-limit-remaining": "0"}))
    with pytest.raises(XRateLimited):
        users(limited).users(BRAND, ["55"])
    with pytest.raises(TransientXError):
        users(CannedX((503, {"title": "Service Unavailable"}, HEADERS))).users(BRAND, ["55"])
    with pytest.raises(TransientXError, match="not a list"):
        users(CannedX((200, {"data": {"id": "55"}}, HEADERS))).users(BRAND, ["55"])
