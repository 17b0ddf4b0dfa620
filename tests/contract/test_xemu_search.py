"""Recent search on the X API emulator over HTTP: the `@handle -from:handle` query, the 7-day window,
since/until and time bounds, next_token paging, billing per post returned and its own rate limits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from carebird_ops.xemu.server import EmulatorHandle, start
from tests.contract.xemu_harness import BRAND, http_session

DAY = 24 * 3600


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorHandle]:
    with start() as handle:
        yield handle


@pytest.fixture
def emu(emulator: EmulatorHandle) -> EmulatorHandle:
    emulator.state.reset()
    emulator.client().create_user(BRAND)
    return emulator


def _search(emu: EmulatorHandle, **params: str) -> requests.Response:
    return http_session(BRAND).get(emu.url + "/2/tweets/search/recent", params=params, timeout=10)


def _ids(body: dict[str, Any]) -> list[str]:
    return [t["id"] for t in body.get("data", [])]


def test_it_finds_mentions_and_replies_not_the_brands_own_posts_nor_others(emu: EmulatorHandle) -> None:
    c = emu.client()
    mention = c.post("alice", f"@{BRAND} my order is late")
    own = c.post(BRAND, f"@{BRAND} a note to self")
    c.post("bob", "nothing to do with the brand")
    brand_post = c.post(BRAND, "We're back")
    reply = c.post("carol", "still broken", in_reply_to=brand_post["id"])
    c.post("dave", "meh", quote_of=brand_post["id"])  # a quote that never names the brand: not matched

    body = _search(emu, query=f"@{BRAND} -from:{BRAND}", expansions="author_id").json()
    assert _ids(body) == [reply["id"], mention["id"]]
    assert {u["username"] for u in body["includes"]["users"]} == {"alice", "carol"}
    assert own["id"] not in _ids(_search(emu, query=f"@{BRAND} -from:{BRAND}").json())


@pytest.mark.parametrize(
    "query",
    ["", f"{BRAND}", f"@{BRAND} OR @other", f"from:{BRAND}", f"-@{BRAND}", f"-from:{BRAND}", "#help"],
)
def test_query_syntax_it_does_not_emulate_is_refused_in_xs_shape(emu: EmulatorHandle, query: str) -> None:
    response = _search(emu, query=query)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["title"] == "Invalid Request"
    assert body["type"] == "https://api.twitter.com/2/problems/invalid-request"
    assert "query" in body["errors"][0]["parameters"]


def test_it_serves_seven_days_and_refuses_bounds_older_than_that(emu: EmulatorHandle) -> None:
    c = emu.client()
    old = c.post("alice", f"@{BRAND} eight days ago", created_at=c.clock() - 8 * DAY)
    recent = c.post("alice", f"@{BRAND} six days ago", created_at=c.clock() - 6 * DAY)
    assert _ids(_search(emu, query=f"@{BRAND}").json()) == [recent["id"]]
    too_old_since = _search(emu, query=f"@{BRAND}", since_id=old["id"])
    assert too_old_since.status_code == 400
    assert "'since_id' must be a tweet id created after" in too_old_since.json()["errors"][0]["message"]
    assert _search(emu, query=f"@{BRAND}", start_time="2020-01-01T00:00:00Z").status_code == 400
    assert _search(emu, query=f"@{BRAND}", max_results="9").status_code == 400
    assert _search(emu, query=f"@{BRAND}", max_results="101").status_code == 400


def test_since_until_and_next_token_page_a_window_once(emu: EmulatorHandle) -> None:
    c = emu.client()
    posted = [c.post(f"fan{i}", f"@{BRAND} number {i}")["id"] for i in range(25)]
    since, until = posted[2], posted[-1]
    seen: list[str] = []
    params = {"query": f"@{BRAND}", "since_id": since, "until_id": until, "max_results": "10"}
    pages = 0
    while True:
        body = _search(emu, **params).json()
        pages += 1
        seen += _ids(body)
        token = body["meta"].get("next_token")
        if token is None:
            break
        params["next_token"] = token
    assert pages == 3
    assert seen == list(reversed(posted[3:-1]))
    assert emu.client().stats()["by_endpoint"]["searchPostsRecent"]["posts_read"] == 21


def test_search_has_its_own_rate_limits_with_xs_headers(emu: EmulatorHandle) -> None:
    c = emu.client()
    c.post("alice", f"@{BRAND} hi")
    first = _search(emu, query=f"@{BRAND}")
    assert first.headers["x-rate-limit-limit"] == "300"
    assert first.headers["x-rate-limit-remaining"] == "299"
    app_only = http_session(None).get(
        emu.url + "/2/tweets/search/recent", params={"query": f"@{BRAND}"}, timeout=10
    )
    assert app_only.headers["x-rate-limit-limit"] == "450"
    mentions = http_session(BRAND).get(emu.url + f"/2/users/{c.user(BRAND)['id']}/mentions", timeout=10)
    assert mentions.headers["x-rate-limit-remaining"] == "179"  # a separate bucket
    c.set_rate_limit("searchPostsRecent", 1)
    assert _search(emu, query=f"@{BRAND}").status_code == 200
    throttled = _search(emu, query=f"@{BRAND}")
    assert throttled.status_code == 429
    assert throttled.headers["x-rate-limit-remaining"] == "0"
