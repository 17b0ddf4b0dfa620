"""X's rate limits: per endpoint and token, reported on every response, reset on the emulator's clock."""

from __future__ import annotations

from carebird_ops.xemu.credentials import user_id_for
from tests.unit.xemu.harness import BRAND, X

MENTIONS = f"/2/users/{user_id_for(BRAND)}/mentions"


def test_documented_limits_in_headers(x: X) -> None:
    x.state.clock.set(1_800_000_000, freeze=True)
    user = x.get(MENTIONS)
    assert user.headers["x-rate-limit-limit"] == "180"
    assert user.headers["x-rate-limit-remaining"] == "179"
    assert user.headers["x-rate-limit-reset"] == str(1_800_000_000 + 900)
    assert x.get(MENTIONS, user=None).headers["x-rate-limit-limit"] == "450"
    posted = x.post("/2/tweets", {"text": "Service update: all good"})
    assert posted.headers["x-rate-limit-limit"] == "100"
    assert posted.headers["x-app-limit-24hour-limit"] == "10000"
    assert posted.headers["x-app-limit-24hour-remaining"] == "9999"
    assert x.get("/2/dm_events").headers["x-rate-limit-limit"] == "300"
    x.user("alice")
    dm = x.post(f"/2/dm_conversations/with/{user_id_for('alice')}/messages", {"text": "hi"})
    assert dm.headers["x-rate-limit-limit"] == "200"
    # Errors carry them too, as X's do.
    assert x.get(MENTIONS, {"max_results": "1"}).headers["x-rate-limit-remaining"] == "178"


def test_exhausted_window_is_429_then_recovers_when_the_clock_passes_reset(x: X) -> None:
    x.state.clock.set(1_800_000_000, freeze=True)
    x.state.limiter.override("getUsersMentions", "user", 3)
    for _ in range(3):
        assert x.get(MENTIONS).status_code == 200
    refused = x.get(MENTIONS)
    assert refused.status_code == 429
    too_many = "Too Many Requests"
    assert refused.json == {"title": too_many, "detail": too_many, "type": "about:blank", "status": 429}
    assert refused.headers["x-rate-limit-remaining"] == "0"
    reset = int(refused.headers["x-rate-limit-reset"])
    assert reset == 1_800_000_900

    x.state.clock.advance(899)
    assert x.get(MENTIONS).status_code == 429
    x.state.clock.advance(1)
    again = x.get(MENTIONS)
    assert again.status_code == 200
    assert again.headers["x-rate-limit-remaining"] == "2"


def test_limits_are_per_token(x: X) -> None:
    x.state.limiter.override("getUsersMentions", "user", 1)
    x.state.limiter.override("getUsersMentions", "app", 1)
    x.user("OtherBrand")
    assert x.get(MENTIONS).status_code == 200
    assert x.get(MENTIONS).status_code == 429
    assert x.get(MENTIONS, user="OtherBrand").status_code == 200  # another user's window
    assert x.get(MENTIONS, user=None).status_code == 200  # the app's window
    assert x.get(MENTIONS, user=None).status_code == 429
    assert x.get(f"/2/users/{user_id_for(BRAND)}", user=BRAND).status_code == 200  # another endpoint


def test_refused_requests_are_not_counted(x: X) -> None:
    x.state.limiter.override("getPostsById", "user", 1)
    post = x.say("alice", "hi")
    x.get(f"/2/tweets/{post.id}")
    for _ in range(3):
        x.get(f"/2/tweets/{post.id}")
    x.state.clock.advance(900)
    assert x.get(f"/2/tweets/{post.id}").headers["x-rate-limit-remaining"] == "0"


def test_control_api_overrides_and_resets(x: X) -> None:
    changed = x.control("PUT", "rate-limits", {"endpoint": "getUsersMentions", "auth": "user", "limit": 2})
    assert changed.json["limit"] == 2
    x.get(MENTIONS)
    x.get(MENTIONS)
    assert x.get(MENTIONS).status_code == 429
    x.control("POST", "rate-limits/reset")
    assert x.get(MENTIONS).status_code == 200
    table = x.control("GET", "rate-limits").json
    assert {
        "auth": "app",
        "bucket": "app",
        "limit": 450,
        "window_seconds": 900,
        "header": "x-rate-limit",
    } in table["getUsersMentions"]
    assert x.control("PUT", "rate-limits", {"endpoint": "nope", "limit": 1}).status_code == 400
