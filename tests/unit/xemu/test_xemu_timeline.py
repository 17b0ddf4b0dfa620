"""A user's own posts (GET /2/users/:id/tweets): how a publisher finds a post it never heard back about."""

from __future__ import annotations

from carebird_ops.xemu.credentials import user_id_for
from tests.unit.xemu.harness import BRAND, X

FIELDS = {"tweet.fields": "referenced_tweets,created_at,conversation_id"}


def test_newest_first_with_replies_referencing_their_parent(x: X) -> None:
    mention = x.say("alice", "@AcmeHelp where is my parcel?")
    announcement = x.say(BRAND, "Spring sale!")
    reply = x.post(
        "/2/tweets", {"text": "@alice on its way", "reply": {"in_reply_to_tweet_id": str(mention.id)}}
    )
    x.say("alice", "thanks")  # someone else's post is not on the brand's timeline

    page = x.get(f"/2/users/{user_id_for(BRAND)}/tweets", FIELDS)

    assert page.status_code == 200
    assert [p["id"] for p in page.json["data"]] == [reply.json["data"]["id"], str(announcement.id)]
    assert page.json["data"][0]["referenced_tweets"] == [{"type": "replied_to", "id": str(mention.id)}]
    assert page.json["meta"]["newest_id"] == reply.json["data"]["id"]


def test_since_id_exclusions_and_paging(x: X) -> None:
    first = x.say(BRAND, "first")
    posts = [x.say(BRAND, f"post {i}") for i in range(7)]
    x.say(BRAND, "reply to self", in_reply_to=posts[0].id)
    x.say(BRAND, "", retweet_of=x.say("bob", "@AcmeHelp hi").id)
    timeline = f"/2/users/{user_id_for(BRAND)}/tweets"

    page = x.get(timeline, {"since_id": str(first.id), "exclude": "replies,retweets", "max_results": "5"})
    assert [p["text"] for p in page.json["data"]] == [f"post {i}" for i in (6, 5, 4, 3, 2)]
    rest = x.get(
        timeline,
        {
            "since_id": str(first.id),
            "exclude": "replies,retweets",
            "pagination_token": page.json["meta"]["next_token"],
        },
    )
    assert [p["text"] for p in rest.json["data"]] == ["post 1", "post 0"]
    assert "next_token" not in rest.json["meta"]
    assert len(x.get(timeline, {"since_id": str(first.id)}).json["data"]) == 9


def test_reads_are_billed_and_an_unknown_user_is_an_error_entry(x: X) -> None:
    x.say(BRAND, "one")
    x.say(BRAND, "two")
    x.get(f"/2/users/{user_id_for(BRAND)}/tweets")
    assert x.state.stats.as_json()["by_endpoint"]["getUsersPosts"]["posts_read"] == 2
    missing = x.get("/2/users/42/tweets")
    assert missing.status_code == 200 and missing.json["errors"][0]["title"] == "Not Found Error"


def test_the_timeline_reaches_only_the_most_recent_posts(x: X) -> None:
    x.state.settings.user_timeline_cap = 3
    for i in range(5):
        x.say(BRAND, f"post {i}")
    page = x.get(f"/2/users/{user_id_for(BRAND)}/tweets", {"max_results": "100"})
    assert [p["text"] for p in page.json["data"]] == ["post 4", "post 3", "post 2"]
