"""The recent-search adapter against canned X responses at the HTTP level (requests' transport replaced)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from carebird.adapters.x.search import TweepyMentionsSearch, mentions_query
from carebird.ingest.model import MentionsQuery
from carebird.ports.x import XBadRequest, XRateLimited
from tests.support.x_http import CannedX
from tests.unit.ingest.test_x_mentions import BRAND, CREDS, PAGE, rate_headers


def search(transport: CannedX) -> TweepyMentionsSearch:
    return TweepyMentionsSearch(lambda _: CREDS, None, timeout_seconds=7, transport=transport)


def test_it_asks_for_the_brands_mentions_not_its_own_posts_with_the_timelines_fields() -> None:
    x = CannedX((200, {"meta": {"result_count": 0}}, rate_headers()))
    query = MentionsQuery(
        since_id="1790000000000000000", until_id="1790000000000000099", pagination_token="t"
    )
    search(x).read(BRAND, query)

    (sent,) = x.requests
    url = urlsplit(sent.url or "")
    sent_query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert (sent.method, url.path) == ("GET", "/2/tweets/search/recent")
    assert sent_query["query"] == "@acme -from:acme" == mentions_query("acme")
    assert sent_query["since_id"] == "1790000000000000000" and sent_query["until_id"] == "1790000000000000099"
    assert sent_query["next_token"] == "t" and "pagination_token" not in sent_query  # search's spelling
    assert "expansions" not in sent_query and "note_tweet" in sent_query["tweet.fields"]
    assert str(sent.headers["Authorization"]).startswith("OAuth ")


@pytest.mark.parametrize(("asked", "sent"), [(5, "10"), (50, "50"), (100, "100")])
def test_max_results_stays_within_searchs_bounds(asked: int, sent: str) -> None:
    x = CannedX((200, {"meta": {"result_count": 0}}, rate_headers()))
    search(x).read(BRAND, MentionsQuery(max_results=asked))
    assert parse_qs(urlsplit(x.requests[0].url or "").query)["max_results"] == [sent]


def test_a_page_reads_as_the_timelines_mentions_with_searchs_headers() -> None:
    x = CannedX((200, PAGE, rate_headers(299)))
    page = search(x).read(BRAND, MentionsQuery())
    assert [m.id for m in page.messages] == ["1790000000000000012", "1790000000000000011"]
    assert page.messages[0].author.username == "waiting_wanda" and page.messages[0].text.startswith("I have")
    assert page.next_token == PAGE["meta"]["next_token"] and page.reads == 2  # type: ignore[index]
    assert page.rate is not None and page.rate.remaining == 299


def test_searchs_400_and_429_are_the_ports_errors() -> None:
    bad = {"title": "Invalid Request", "detail": "One or more parameters to your request was invalid."}
    with pytest.raises(XBadRequest, match="recent search"):
        search(CannedX((400, bad, rate_headers()))).read(BRAND, MentionsQuery())
    with pytest.raises(XRateLimited):
        search(CannedX((429, {"title": "Too Many Requests"}, rate_headers(0)))).read(BRAND, MentionsQuery())
