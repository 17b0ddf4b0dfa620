"""Creating, deleting and looking up posts through the API, with X's refusals."""

from __future__ import annotations

from carebird_ops.xemu.credentials import user_id_for
from tests.unit.xemu.harness import BRAND, X

REPLY_REFUSED = "Reply to this conversation is not allowed because you have not been mentioned"


def test_reply_to_a_mention_threads_under_it(x: X) -> None:
    mention = x.say("alice", "@AcmeHelp my order is late")
    reply_to = {"in_reply_to_tweet_id": str(mention.id)}
    created = x.post("/2/tweets", {"text": "@alice sorry, checking now", "reply": reply_to})
    assert created.status_code == 201
    data = created.json["data"]
    assert data["text"] == "@alice sorry, checking now"
    assert set(data) == {"id", "text"}
    reply = x.state.posts[int(data["id"])]
    assert reply.in_reply_to_id == mention.id
    assert reply.conversation_id == mention.id
    assert reply.in_reply_to_user_id == user_id_for("alice")
    assert reply.source == "api:carebird"
    looked_up = x.get(
        f"/2/tweets/{data['id']}", {"tweet.fields": "referenced_tweets,conversation_id,in_reply_to_user_id"}
    )
    assert looked_up.json["data"]["referenced_tweets"] == [{"type": "replied_to", "id": str(mention.id)}]
    assert looked_up.json["data"]["conversation_id"] == str(mention.id)
    assert x.state.public_metrics(mention)["reply_count"] == 1


def test_reply_rule_needs_a_mention_or_quote_of_the_replying_account(x: X) -> None:
    stranger = x.say("bob", "my flight was cancelled, terrible airline")
    refused = x.post(
        "/2/tweets", {"text": "We can help!", "reply": {"in_reply_to_tweet_id": str(stranger.id)}}
    )
    assert refused.status_code == 403
    assert refused.json["title"] == "Forbidden"
    assert refused.json["type"] == "about:blank"
    assert REPLY_REFUSED in refused.json["detail"]

    brand_post = x.say(BRAND, "Our app is back up")
    quote = x.say("carol", "not for me it isn't", quote_of=brand_post.id)
    reply_to_brand = x.say("dave", "still broken", in_reply_to=brand_post.id)
    deeper = x.say("erin", "same here", in_reply_to=reply_to_brand.id)  # replies to dave, mentions nobody
    for target in (quote, reply_to_brand, brand_post):
        body = {"text": f"Looking into it ({target.id})", "reply": {"in_reply_to_tweet_id": str(target.id)}}
        assert x.post("/2/tweets", body).status_code == 201, target.text
    assert (
        x.post("/2/tweets", {"text": "hi", "reply": {"in_reply_to_tweet_id": str(deeper.id)}}).status_code
        == 403
    )


def test_enterprise_apps_are_exempt_from_the_reply_rule(x: X) -> None:
    x.state.create_app("bigco", enterprise=True)
    stranger = x.say("bob", "anyone?")
    body = {"text": "We are here", "reply": {"in_reply_to_tweet_id": str(stranger.id)}}
    assert x.post("/2/tweets", body, app="bigco").status_code == 201


def test_duplicate_text_is_refused_within_the_window(x: X) -> None:
    assert x.post("/2/tweets", {"text": "We're aware of the outage"}).status_code == 201
    again = x.post("/2/tweets", {"text": "We're aware of the outage"})
    assert again.status_code == 403
    assert again.json == {
        "detail": "You are not allowed to create a Tweet with duplicate content.",
        "type": "about:blank",
        "title": "Forbidden",
        "status": 403,
    }
    x.user("OtherBrand")
    assert x.post("/2/tweets", {"text": "We're aware of the outage"}, user="OtherBrand").status_code == 201
    x.state.clock.advance(x.state.settings.duplicate_window_seconds + 1)
    assert x.post("/2/tweets", {"text": "We're aware of the outage"}).status_code == 201


def test_length_limits_and_note_tweets(x: X) -> None:
    x.user("plain")
    long_text = "word " * 70
    refused = x.post("/2/tweets", {"text": long_text}, user="plain")
    assert refused.status_code == 403
    assert refused.json["detail"].startswith("Your Tweet text is too long.")
    created = x.post("/2/tweets", {"text": long_text.strip()})  # the brand is verified (premium)
    assert created.status_code == 201
    post_id = created.json["data"]["id"]
    shown = x.get(f"/2/tweets/{post_id}", {"tweet.fields": "note_tweet"}).json["data"]
    assert shown["text"].endswith("…") and len(shown["text"]) <= 280
    assert shown["note_tweet"]["text"] == long_text.strip()
    # URLs count as 23 characters whatever their length.
    url_post = "see https://example.com/" + "a" * 300
    assert x.post("/2/tweets", {"text": url_post}, user="plain").status_code == 201


def test_replying_to_deleted_or_missing_posts(x: X) -> None:
    gone = x.say("alice", "@AcmeHelp hi")
    gone.deleted = True
    for target in (gone.id, 42):
        refused = x.post("/2/tweets", {"text": "hello", "reply": {"in_reply_to_tweet_id": str(target)}})
        assert refused.status_code == 403
        assert (
            refused.json["detail"]
            == "You attempted to reply to a Tweet that is deleted or not visible to you."
        )
    assert x.post("/2/tweets", {"text": "quote", "quote_tweet_id": "42"}).status_code == 403


def test_quote_posts(x: X) -> None:
    original = x.say("alice", "@AcmeHelp thanks for the fast refund!")
    created = x.post("/2/tweets", {"text": "Happy to help", "quote_tweet_id": str(original.id)}).json["data"]
    params = {
        "tweet.fields": "referenced_tweets",
        "expansions": "referenced_tweets.id,referenced_tweets.id.author_id",
    }
    quoted = x.get(f"/2/tweets/{created['id']}", params).json
    assert quoted["data"]["referenced_tweets"] == [{"type": "quoted", "id": str(original.id)}]
    assert quoted["includes"]["tweets"][0]["id"] == str(original.id)
    assert quoted["includes"]["users"][0]["username"] == "alice"
    assert x.state.public_metrics(original)["quote_count"] == 1


def test_delete_own_posts_only(x: X) -> None:
    mine = x.post("/2/tweets", {"text": "oops"}).json["data"]["id"]
    theirs = x.say("alice", "@AcmeHelp hi")
    assert x.delete(f"/2/tweets/{theirs.id}").status_code == 403
    deleted = x.delete(f"/2/tweets/{mine}")
    assert deleted.status_code == 200
    assert deleted.json == {"data": {"deleted": True}}
    assert x.delete(f"/2/tweets/{mine}").status_code == 404
    gone = x.get(f"/2/tweets/{mine}")
    assert gone.status_code == 200
    assert gone.json["errors"][0]["detail"] == f"Could not find tweet with id: [{mine}]."


def test_lookups_mix_data_and_errors(x: X) -> None:
    a = x.say("alice", "one")
    x.user("locked", protected=True)
    hidden = x.say("locked", "private")
    body = x.get("/2/tweets", {"ids": f"{a.id},1,{hidden.id}"}).json
    assert [t["id"] for t in body["data"]] == [str(a.id)]
    kinds = [(e["resource_id"], e["type"].rsplit("/", 1)[1]) for e in body["errors"]]
    assert kinds == [("1", "resource-not-found"), (str(hidden.id), "not-authorized-for-resource")]
    assert x.get(f"/2/tweets/{hidden.id}", user="locked").json["data"]["text"] == "private"
    users = x.get("/2/users", {"ids": f"{user_id_for('alice')},2"}).json
    assert [u["username"] for u in users["data"]] == ["alice"]
    assert users["errors"][0]["parameter"] == "ids"
    by_name = x.get("/2/users/by/username/nobody").json
    not_found = {
        "value": "nobody",
        "detail": "Could not find user with username: [nobody].",
        "title": "Not Found Error",
        "resource_type": "user",
        "parameter": "username",
        "resource_id": "nobody",
        "type": "https://api.twitter.com/2/problems/resource-not-found",
    }
    assert by_name == {"errors": [not_found]}


def test_retweets_and_metrics(x: X) -> None:
    original = x.say("alice", "@AcmeHelp you rock")
    retweet = x.say("bob", "", retweet_of=original.id)
    assert retweet.text == "RT @alice: @AcmeHelp you rock"
    fields = {"tweet.fields": "referenced_tweets,public_metrics", "expansions": "referenced_tweets.id"}
    body = x.get(f"/2/tweets/{retweet.id}", fields).json
    assert body["data"]["referenced_tweets"] == [{"type": "retweeted", "id": str(original.id)}]
    assert x.state.public_metrics(original)["retweet_count"] == 1
    x.control("PUT", f"posts/{original.id}/metrics", {"like_count": 50000, "impression_count": 2_000_000})
    viral = x.get(f"/2/tweets/{original.id}", {"tweet.fields": "public_metrics"}).json["data"][
        "public_metrics"
    ]
    assert viral == {
        "retweet_count": 1,
        "reply_count": 0,
        "like_count": 50000,
        "quote_count": 0,
        "bookmark_count": 0,
        "impression_count": 2_000_000,
    }
    original.deleted = True
    dangling = x.get(f"/2/tweets/{retweet.id}", fields).json
    assert dangling["errors"][0]["parameter"] == "referenced_tweets.id"


def test_users_me_and_user_fields(x: X) -> None:
    x.say(BRAND, "hello world")
    fields = "public_metrics,verified,verified_type,created_at,protected,most_recent_tweet_id"
    body = x.get("/2/users/me", {"user.fields": fields, "expansions": "most_recent_tweet_id"}).json
    me = body["data"]
    assert me["public_metrics"]["followers_count"] == 12000
    assert me["public_metrics"]["tweet_count"] == 1
    assert me["verified"] is True and me["verified_type"] == "blue"
    assert body["includes"]["tweets"][0]["text"] == "hello world"
