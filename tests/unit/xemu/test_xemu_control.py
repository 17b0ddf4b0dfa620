"""The control API and the deterministic credentials other tools configure the product with."""

from __future__ import annotations

from carebird_ops.xemu.credentials import app_credentials, user_id_for, user_tokens
from tests.unit.xemu.harness import BRAND, X


def test_credentials_derive_from_names_alone() -> None:
    assert app_credentials("carebird") == app_credentials("carebird")
    assert app_credentials("carebird").bearer_token != app_credentials("other").bearer_token
    tokens = user_tokens("AcmeHelp")
    assert tokens == user_tokens("acmehelp")  # usernames are case-insensitive on X
    assert tokens.access_token.partition("-")[0] == user_id_for("AcmeHelp")  # tweepy reads the id from it
    assert len(user_id_for("AcmeHelp")) == 18


def test_users(x: X) -> None:
    created = x.control("POST", "users", {"username": "alice", "followers": 10, "accepts_dms": False})
    assert created.status_code == 201
    assert created.json["id"] == user_id_for("alice")
    assert created.json["access_token"] == user_tokens("alice").access_token
    assert x.control("POST", "users", {"username": "Alice"}).status_code == 409
    assert x.control("POST", "users", {"username": "bad name"}).status_code == 400
    assert x.control("POST", "users", {"username": "bob", "followers": -1}).status_code == 400
    assert x.control("POST", "users", {"username": "bob", "colour": "red"}).status_code == 400
    assert x.control("POST", "users", {"username": "bob", "verified_type": "gold"}).status_code == 400
    assert x.control("PATCH", "users/alice", {"verified_type": "gold"}).status_code == 400
    changed = x.control("PATCH", "users/alice", {"verified": True, "followers": 1_000_000}).json
    assert changed["verified_type"] == "blue" and changed["followers_count"] == 1_000_000
    assert x.control("GET", "users/nobody").status_code == 404
    creds = x.control("GET", "credentials", user="alice").json
    assert creds["consumer_key"] == app_credentials().consumer_key
    assert creds["access_token_secret"] == user_tokens("alice").access_token_secret


def test_posts_bulk_and_listing(x: X) -> None:
    first = x.control("POST", "posts", {"author": "alice", "text": "@AcmeHelp hi"}).json
    assert first["mentions"] == ["acmehelp"]
    assert first["source"] == "control"
    reply = x.control(
        "POST", "posts", {"author": BRAND, "text": "@alice hello", "in_reply_to": first["id"]}
    ).json
    assert reply["conversation_id"] == first["id"]
    specs = [{"author": f"fan{i}", "text": f"@AcmeHelp {i}"} for i in range(500)]
    bulk = x.control("POST", "posts/bulk", {"posts": specs})
    assert bulk.status_code == 201 and bulk.json["count"] == 500
    assert len(set(bulk.json["ids"])) == 500
    assert len(x.control("GET", "posts", mentions=BRAND).json) == 501
    assert [p["id"] for p in x.control("GET", "posts", conversation_id=first["id"]).json] == [
        first["id"],
        reply["id"],
    ]
    broken = x.control("POST", "posts/bulk", {"posts": [{"author": "a", "text": "ok"}, {"author": "b"}]})
    assert broken.status_code == 400
    assert broken.json["error"].startswith("posts[1]: text: required")
    missing = x.control("POST", "posts", {"author": "zed", "text": "hi", "in_reply_to": "1"})
    assert missing.status_code == 404
    backdated = x.control(
        "POST", "posts", {"author": "alice", "text": "old", "created_at": "2025-01-01T00:00:00Z"}
    )
    assert backdated.json["created_at"] == "2025-01-01T00:00:00.000Z"
    assert (
        x.control("POST", "posts", {"author": "alice", "text": "x", "created_at": "2025-01-01"}).status_code
        == 400
    )


def test_clock(x: X) -> None:
    moved = x.control("POST", "clock", {"set": "2030-01-01T00:00:00Z", "freeze": True}).json
    assert moved == {"now": 1893456000.0, "iso": "2030-01-01T00:00:00.000Z", "frozen": True}
    assert x.control("POST", "clock", {"advance": 90}).json["now"] == 1893456090.0
    assert x.control("POST", "clock", {"advance": -1}).status_code == 400
    post = x.control("POST", "posts", {"author": "alice", "text": "later"}).json
    assert post["created_at"] == "2030-01-01T00:01:30.000Z"


def test_stats_count_posts_read_per_endpoint_and_token(x: X) -> None:
    for i in range(3):
        x.say(f"u{i}", f"@AcmeHelp {i}")
    mentions = f"/2/users/{user_id_for(BRAND)}/mentions"
    x.get(mentions)
    x.get(mentions)  # reading the same mentions again is billed again
    x.get(mentions, user=None)
    x.get("/2/users/me")
    stats = x.control("GET", "stats").json
    assert stats["totals"] == {"requests": 4, "posts_read": 9, "users_read": 1, "dm_events_read": 0}
    assert stats["by_endpoint"]["getUsersMentions"]["posts_read"] == 9
    assert stats["by_token"]["user:carebird/AcmeHelp"]["posts_read"] == 6
    assert stats["by_token"]["user:carebird/AcmeHelp"]["distinct_posts_read"] == 3
    assert stats["by_token"]["app:carebird"]["posts_read"] == 3
    assert stats["statuses"] == {"200": 4}
    x.open("/2/users/me")
    assert x.control("GET", "stats").json["by_token"]["unauthenticated"]["requests"] == 1
    x.control("POST", "stats/reset")
    assert x.control("GET", "stats").json["totals"]["requests"] == 0


def test_reset_and_settings(x: X) -> None:
    x.say("alice", "@AcmeHelp hi")
    assert x.control("PUT", "settings", {"mentions_cap": 5}).json["mentions_cap"] == 5
    assert x.control("PUT", "settings", {"nope": 1}).status_code == 400
    assert x.control("POST", "reset", {"seed": 4}).json == {"reset": True, "seed": 4}
    assert x.state.posts == {} and list(x.state.apps) == ["carebird"]
    assert x.state.settings.mentions_cap == 800


def test_unknown_routes(x: X) -> None:
    assert x.control("GET", "nothing").status_code == 404
    assert x.control("DELETE", "users").status_code == 405
    unknown = x.get("/2/spaces")
    assert unknown.status_code == 404
    assert unknown.json == {"errors": [{"message": "Sorry, that page does not exist", "code": 34}]}


def test_request_log_keeps_what_x_bills_by(x: X) -> None:
    """What `make bench-cost` prices: posts returned (own timeline or not), and links in what is created."""
    x.say("u1", "@AcmeHelp hello")
    start = x.control("GET", "stats/requests").json["next"]
    x.get(f"/2/users/{user_id_for(BRAND)}/mentions")
    x.get(f"/2/users/{user_id_for('u1')}/mentions")
    x.post("/2/tweets", {"text": "see https://example.com/help"})
    x.post("/2/tweets", {"text": "no link here"})
    log = x.control("GET", "stats/requests", since=start).json
    assert log["next"] == start + 4
    own, other, linked, plain = log["requests"]
    assert own["operation"] == "getUsersMentions" and own["own"] and len(own["post_ids"]) == 1
    assert not other["own"]
    assert (linked["operation"], linked["links"], plain["links"]) == ("createPosts", 1, 0)
    assert x.control("GET", "stats/requests", since=start + 3).json["requests"] == [plain]
    assert x.control("GET", "stats/requests", since="x").status_code == 400
