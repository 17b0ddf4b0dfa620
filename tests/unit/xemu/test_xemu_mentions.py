"""The mentions timeline: what counts as a mention, order, windows, paging and X's 800-mention reach."""

from __future__ import annotations

from carebird_ops.xemu.credentials import user_id_for
from carebird_ops.xemu.ids import snowflake_floor
from carebird_ops.xemu.params import rfc3339
from tests.unit.xemu.harness import BRAND, X

BRAND_ID = user_id_for(BRAND)
MENTIONS = f"/2/users/{BRAND_ID}/mentions"


def _ids(body: dict) -> list[str]:
    return [t["id"] for t in body.get("data", [])]


def test_mentions_include_text_mentions_replies_and_quotes_newest_first(x: X) -> None:
    brand_post = x.say(BRAND, "We are open all weekend")
    mention = x.say("alice", "@AcmeHelp where is my refund?")
    reply = x.say("bob", "great news", in_reply_to=brand_post.id)
    quote = x.say("carol", "finally", quote_of=brand_post.id)
    retweet = x.say("dave", "", retweet_of=mention.id)  # "RT @alice: @AcmeHelp ..." mentions the brand
    x.say("erin", "nothing to see")
    x.say("frank", "mail me at help@AcmeHelp.com")  # an address, not a mention
    x.say(BRAND, "@AcmeHelp talking to myself")  # the user's own posts are not their mentions
    gone = x.say("gina", "@AcmeHelp deleted soon")
    gone.deleted = True

    body = x.get(MENTIONS, {"max_results": 100}).json
    assert _ids(body) == [str(p.id) for p in (retweet, quote, reply, mention)]
    assert body["meta"] == {
        "result_count": 4,
        "newest_id": str(retweet.id),
        "oldest_id": str(mention.id),
    }


def test_default_fields_only_unless_asked(x: X) -> None:
    x.say("alice", "@AcmeHelp hello #help https://example.com/a")
    plain = x.get(MENTIONS).json["data"][0]
    assert set(plain) == {"id", "text", "edit_history_tweet_ids"}

    fields = ["author_id", "created_at", "entities", "lang", "conversation_id", "public_metrics"]
    rich = x.get(
        MENTIONS, {"tweet.fields": fields, "expansions": "author_id", "user.fields": "verified"}
    ).json
    tweet = rich["data"][0]
    assert set(tweet) == {"id", "text", "edit_history_tweet_ids", *fields}
    assert tweet["text"].startswith("@AcmeHelp hello #help https://t.co/")
    assert tweet["entities"]["mentions"] == [{"start": 0, "end": 9, "username": BRAND, "id": BRAND_ID}]
    assert tweet["entities"]["hashtags"] == [{"start": 16, "end": 21, "tag": "help"}]
    assert tweet["entities"]["urls"][0]["expanded_url"] == "https://example.com/a"
    alice = {"id": user_id_for("alice"), "name": "alice", "username": "alice", "verified": False}
    assert rich["includes"]["users"] == [alice]


def test_paging_walks_every_mention_once(x: X) -> None:
    posted = [x.say(f"user{i}", f"@AcmeHelp question {i}") for i in range(23)]
    seen: list[str] = []
    params: dict = {"max_results": 5}
    pages = 0
    while True:
        body = x.get(MENTIONS, params).json
        pages += 1
        seen += _ids(body)
        token = body["meta"].get("next_token")
        if token is None:
            break
        params["pagination_token"] = token
    assert pages == 5
    assert seen == [str(p.id) for p in reversed(posted)]


def test_default_page_is_ten(x: X) -> None:
    for i in range(12):
        x.say(f"user{i}", f"@AcmeHelp hi {i}")
    body = x.get(MENTIONS).json
    assert body["meta"]["result_count"] == 10
    assert "next_token" in body["meta"]


def test_since_id_and_until_id_are_exclusive_and_win_over_times(x: X) -> None:
    first, second, third = (x.say("alice", f"@AcmeHelp n{i}") for i in range(3))
    assert _ids(x.get(MENTIONS, {"since_id": first.id}).json) == [str(third.id), str(second.id)]
    assert _ids(x.get(MENTIONS, {"until_id": third.id}).json) == [str(second.id), str(first.id)]
    # since_id takes precedence over start_time, as X documents
    late = rfc3339(third.created_at + 3600)
    assert _ids(x.get(MENTIONS, {"since_id": second.id, "start_time": late}).json) == [str(third.id)]
    nothing_new = x.get(MENTIONS, {"since_id": third.id}).json
    assert nothing_new == {"meta": {"result_count": 0}}


def test_start_and_end_time_window(x: X) -> None:
    base = 1_780_000_000.0
    old = x.say("alice", "@AcmeHelp old", created_at=base)
    mid = x.say("alice", "@AcmeHelp mid", created_at=base + 60)
    new = x.say("alice", "@AcmeHelp new", created_at=base + 120)
    window = {"start_time": rfc3339(base + 30), "end_time": rfc3339(base + 90)}
    assert _ids(x.get(MENTIONS, window).json) == [str(mid.id)]
    assert _ids(x.get(MENTIONS, {"start_time": rfc3339(base + 60)}).json) == [str(new.id), str(mid.id)]
    assert int(old.id) < int(mid.id) < int(new.id)  # backdated posts get ids from their own time


def test_only_the_800_most_recent_mentions_are_reachable(x: X) -> None:
    posts = [x.say(f"fan{i % 40}", f"@AcmeHelp burst {i}") for i in range(850)]
    reachable: list[str] = []
    params: dict = {"max_results": 100}
    while True:
        body = x.get(MENTIONS, params).json
        reachable += _ids(body)
        if "next_token" not in body["meta"]:
            break
        params["pagination_token"] = body["meta"]["next_token"]
    assert len(reachable) == 800
    assert reachable[-1] == str(posts[50].id)
    # Asking for older ones directly finds nothing either.
    assert x.get(MENTIONS, {"until_id": posts[50].id}).json == {"meta": {"result_count": 0}}


def test_protected_authors_are_hidden(x: X) -> None:
    x.user("secretive", protected=True)
    x.say("secretive", "@AcmeHelp psst")
    open_post = x.say("alice", "@AcmeHelp hi")
    assert _ids(x.get(MENTIONS).json) == [str(open_post.id)]


def test_long_posts_are_truncated_with_note_tweet_on_request(x: X) -> None:
    x.user("novelist", verified=True)
    long_text = "@AcmeHelp " + "my parcel never arrived and nobody answers the phone. " * 8
    post = x.say("novelist", long_text.strip())
    plain = x.get(MENTIONS).json["data"][0]
    assert len(plain["text"]) <= 280 and plain["text"].endswith("…")
    assert "note_tweet" not in plain
    full = x.get(MENTIONS, {"tweet.fields": "note_tweet"}).json["data"][0]
    assert full["note_tweet"]["text"] == post.text
    assert full["note_tweet"]["entities"]["mentions"][0]["username"] == BRAND
    short = x.say("alice", "@AcmeHelp short one")
    assert "note_tweet" not in x.get(f"/2/tweets/{short.id}", {"tweet.fields": "note_tweet"}).json["data"]


def test_unknown_user_is_a_200_with_a_not_found_error(x: X) -> None:
    response = x.get("/2/users/123/mentions")
    assert response.status_code == 200
    assert response.json["errors"][0]["type"] == "https://api.twitter.com/2/problems/resource-not-found"
    assert response.json["errors"][0]["resource_id"] == "123"


def test_ids_grow_with_time(x: X) -> None:
    a = x.say("alice", "@AcmeHelp one")
    b = x.say("alice", "@AcmeHelp two")
    assert a.id < b.id
    assert a.id >= snowflake_floor(a.created_at)


def test_a_backdated_burst_keeps_unique_ids_in_time_order(x: X) -> None:
    at = 1_780_000_000.0
    burst = [x.say(f"fan{i}", f"@AcmeHelp same second {i}", created_at=at) for i in range(3000)]
    later = x.say("alice", "@AcmeHelp a second later", created_at=at + 1)
    ids = [p.id for p in burst]
    assert len(set(ids)) == 3000 and ids == sorted(ids)
    assert ids[-1] < later.id
