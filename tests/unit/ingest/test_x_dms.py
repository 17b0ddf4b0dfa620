"""The tweepy DM reader against canned X responses at the HTTP level (requests' transport replaced)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from carebird.adapters.x.client import XCredentials
from carebird.adapters.x.dms import TweepyDmReader
from carebird.brands import Brand
from carebird.ingest.model import DmQuery
from carebird.ports.x import TransientXError, XAuthError, XBadRequest, XRateLimited
from tests.support.x_http import CannedX

BRAND = Brand(handle="acme", user_id="1000", credentials_secret="carebird/test/x/acme")
CREDS = XCredentials(consumer_key="ck", consumer_secret="cs", access_token="at", access_token_secret="ats")
RESET = 1_772_442_000


def rate_headers(remaining: int = 299) -> dict[str, str]:
    return {
        "x-rate-limit-limit": "300",
        "x-rate-limit-remaining": str(remaining),
        "x-rate-limit-reset": str(RESET),
    }


PAGE = {
    "data": [
        {
            "id": "1790000000000000052",
            "event_type": "MessageCreate",
            "text": "My card was charged twice",
            "sender_id": "55",
            "dm_conversation_id": "55-1000",
            "created_at": "2026-03-02T09:00:05.000Z",
        },
        {
            "id": "1790000000000000051",
            "event_type": "MessageCreate",
            "text": "Hi! How can we help?",
            "sender_id": "1000",
            "dm_conversation_id": "55-1000",
            "created_at": "2026-03-02T09:00:01.000Z",
        },
    ],
    "includes": {
        "users": [
            {
                "id": "55",
                "username": "waiting_wanda",
                "name": "Wanda",
                "verified": True,
                "public_metrics": {"followers_count": 321},
            },
            {"id": "1000", "username": "acme", "name": "Acme Help"},
        ]
    },
    "meta": {"result_count": 2, "next_token": "dmtoken2"},
}


def reader(transport: CannedX) -> TweepyDmReader:
    return TweepyDmReader(lambda _: CREDS, None, timeout_seconds=7, transport=transport)


def test_the_request_reads_message_events_in_user_context_without_expanding_the_sender() -> None:
    x = CannedX((200, {"meta": {"result_count": 0}}, rate_headers()))
    reader(x).read(BRAND, DmQuery("dmtoken1", 100))

    (sent,) = x.requests
    url = urlsplit(sent.url or "")
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert (sent.method, url.path) == ("GET", "/2/dm_events")
    assert query["event_types"] == "MessageCreate"  # participants joining or leaving are not messages
    assert set(query["dm_event.fields"].split(",")) == {
        "created_at",
        "sender_id",
        "dm_conversation_id",
        "text",
    }
    assert "expansions" not in query  # the sender would be billed as a user read: carebird.ingest.profiles
    assert query["pagination_token"] == "dmtoken1" and query["max_results"] == "100"
    assert "since_id" not in query  # X has none for DM events
    assert str(sent.headers["Authorization"]).startswith("OAuth ")
    assert x.timeouts == [7]


def test_a_page_becomes_direct_messages_in_the_shape_triage_reads() -> None:
    x = CannedX((200, PAGE, rate_headers(remaining=40)))
    page = reader(x).read(BRAND, DmQuery(None, 100))

    customer, brand_reply = page.messages
    assert customer.model_dump(mode="json") == {
        "id": "1790000000000000052",
        "text": "My card was charged twice",
        "created_at": "2026-03-02T09:00:05Z",
        "sender": {
            "id": "55",
            "username": "waiting_wanda",
            "name": "Wanda",
            "followers_count": 321,
            "verified": True,
        },
        "dm_conversation_id": "55-1000",
    }
    assert brand_reply.sender.id == "1000"
    assert customer.created_at == datetime(2026, 3, 2, 9, 0, 5, tzinfo=UTC)
    assert (page.next_token, page.reads) == ("dmtoken2", 2)
    assert page.rate is not None and (page.rate.limit, page.rate.remaining) == (300, 40)


def test_other_event_types_are_not_messages() -> None:
    body = {
        "data": [{"id": "1790000000000000060", "event_type": "ParticipantsJoin", "dm_conversation_id": "c1"}],
        "meta": {"result_count": 1},
    }
    page = reader(CannedX((200, body, rate_headers()))).read(BRAND, DmQuery(None, 100))
    assert (page.messages, page.reads) == ([], 1)


def test_a_429_reports_the_reset() -> None:
    x = CannedX((429, {"title": "Too Many Requests", "status": 429}, rate_headers(remaining=0)))
    with pytest.raises(XRateLimited) as raised:
        reader(x).read(BRAND, DmQuery(None, 100))
    assert raised.value.reset_at == datetime.fromtimestamp(RESET, UTC)


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ((403, {"title": "Forbidden", "status": 403, "detail": "no DM permission"}, {}), XAuthError),
        (
            (400, {"errors": [{"message": "Invalid pagination_token"}], "title": "Invalid Request"}, {}),
            XBadRequest,
        ),
        ((200, {"errors": [{"detail": "Could not find user", "title": "Not Found Error"}]}, {}), XBadRequest),
        ((503, {"title": "Service Unavailable", "status": 503}, {}), TransientXError),
        (
            (200, {"data": [{"id": "1790000000000000061", "event_type": "MessageCreate"}]}, {}),
            TransientXError,
        ),
        (requests.ConnectionError("connection reset"), TransientXError),
    ],
)
def test_failures_surface_as_typed_errors(answer: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        reader(CannedX(answer)).read(BRAND, DmQuery(None, 100))
