"""The emulator driven by the real tweepy.Client, wired as the product wires it
(carebird.adapters.x.transport)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
import tweepy

from carebird.adapters.x.transport import route_session
from carebird_ops.xemu.client import EmulatorClient
from carebird_ops.xemu.server import EmulatorHandle, start
from tests.contract.xemu_harness import BRAND, tweepy_client

FIELDS = ["author_id", "created_at", "conversation_id", "referenced_tweets", "entities", "note_tweet"]


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorHandle]:
    with start() as handle:
        yield handle


@pytest.fixture
def emu(emulator: EmulatorHandle) -> EmulatorClient:
    emulator.state.reset()
    client = emulator.client()
    client.create_user(BRAND, followers=12000, verified=True)
    return client


@pytest.fixture
def brand(emulator: EmulatorHandle, emu: EmulatorClient) -> tweepy.Client:
    return tweepy_client(emulator.url, BRAND)


@pytest.fixture
def brand_id(emu: EmulatorClient) -> str:
    return emu.user(BRAND)["id"]


def _read_all(
    client: tweepy.Client, user_id: str, *, user_auth: bool, **params: object
) -> list[tweepy.Tweet]:
    pages = tweepy.Paginator(client.get_users_mentions, user_id, user_auth=user_auth, **params)
    return list(pages.flatten())


@pytest.mark.parametrize("user_auth", [True, False], ids=["oauth1-user", "app-bearer"])
def test_paginator_reads_every_mention_once(
    emu: EmulatorClient, brand: tweepy.Client, brand_id: str, user_auth: bool
) -> None:
    posted = emu.bulk_post([{"author": f"customer{i}", "text": f"@{BRAND} help #{i}"} for i in range(23)])
    tweets = _read_all(brand, brand_id, user_auth=user_auth, max_results=5, tweet_fields=FIELDS)
    assert [str(t.id) for t in tweets] == list(reversed(posted))
    assert all(t.author_id is not None and t.created_at is not None for t in tweets)


def test_since_id_polling_sees_only_new_mentions(
    emu: EmulatorClient, brand: tweepy.Client, brand_id: str
) -> None:
    emu.post("alice", f"@{BRAND} first")
    first = brand.get_users_mentions(brand_id, user_auth=True)
    newest = first.meta["newest_id"]
    fresh = emu.post("bob", f"@{BRAND} second")
    again = brand.get_users_mentions(brand_id, since_id=newest, expansions=["author_id"], user_auth=True)
    assert [str(t.id) for t in again.data] == [fresh["id"]]
    assert again.includes["users"][0].username == "bob"
    assert brand.get_users_mentions(brand_id, since_id=fresh["id"], user_auth=True).data is None


def test_reply_threads_under_the_mention(emu: EmulatorClient, brand: tweepy.Client) -> None:
    mention = emu.post("alice", f"@{BRAND} where is my refund?")
    created = brand.create_tweet(text="@alice we're on it", in_reply_to_tweet_id=mention["id"])
    reply = emu.get_post(created.data["id"])
    assert reply["in_reply_to_tweet_id"] == mention["id"]
    assert reply["conversation_id"] == mention["id"]
    assert reply["source"] == "api:carebird"
    thread = emu.posts(conversation_id=mention["id"])
    assert [p["author"] for p in thread] == ["alice", BRAND]


def test_reply_without_a_mention_is_forbidden(emu: EmulatorClient, brand: tweepy.Client) -> None:
    stranger = emu.post("bob", "this airline lost my bag")
    with pytest.raises(tweepy.Forbidden) as caught:
        brand.create_tweet(text="Sorry to hear that!", in_reply_to_tweet_id=stranger["id"])
    assert "not been mentioned" in caught.value.response.json()["detail"]
    assert emu.posts(author=BRAND) == []


def test_direct_messages_round_trip(emu: EmulatorClient, brand: tweepy.Client) -> None:
    alice = emu.create_user("alice")
    emu.dm("alice", BRAND, "my order number is 42")
    sent = brand.create_direct_message(
        participant_id=alice["id"], text="Thanks, refund issued", user_auth=True
    )
    assert sent.data["dm_event_id"]
    events = brand.get_direct_message_events(
        dm_event_fields=["sender_id", "created_at", "dm_conversation_id"], expansions=["sender_id"]
    )
    assert [e.text for e in events.data] == ["Thanks, refund issued", "my order number is 42"]
    assert events.data[1].sender_id == int(alice["id"])
    with_alice = brand.get_direct_message_events(participant_id=alice["id"])
    assert len(with_alice.data) == 2
    assert [d["text"] for d in emu.dms(user="alice")] == ["my order number is 42", "Thanks, refund issued"]


def test_closed_dms_are_forbidden(emu: EmulatorClient, brand: tweepy.Client) -> None:
    shy = emu.create_user("shy", accepts_dms=False)
    with pytest.raises(tweepy.Forbidden, match="You cannot send messages to this user"):
        brand.create_direct_message(participant_id=shy["id"], text="hello")


def test_no_or_bad_credentials_are_401(emulator: EmulatorHandle, emu: EmulatorClient, brand_id: str) -> None:
    anonymous = tweepy.Client()  # sends "Bearer None"
    route_session(anonymous.session, emulator.url)
    with pytest.raises(tweepy.Unauthorized):
        anonymous.get_users_mentions(brand_id)
    stranger = tweepy_client(emulator.url, "nobody")  # a token the emulator never issued
    with pytest.raises(tweepy.Unauthorized):
        stranger.get_me()
    with pytest.raises(tweepy.Forbidden):  # app-only bearer cannot act as a user
        tweepy_client(emulator.url, None).get_me(user_auth=False)


def test_429_with_reset_then_recovery(emu: EmulatorClient, brand: tweepy.Client, brand_id: str) -> None:
    emu.set_clock(1_800_000_000, freeze=True)
    emu.set_rate_limit("getUsersMentions", 2)
    for _ in range(2):
        brand.get_users_mentions(brand_id, user_auth=True)
    with pytest.raises(tweepy.TooManyRequests) as caught:
        brand.get_users_mentions(brand_id, user_auth=True)
    headers = caught.value.response.headers
    assert headers["x-rate-limit-limit"] == "2"
    assert headers["x-rate-limit-remaining"] == "0"
    assert caught.value.reset_time == 1_800_000_900 == int(headers["x-rate-limit-reset"])
    emu.advance_clock(900)
    assert brand.get_users_mentions(brand_id, user_auth=True).meta == {"result_count": 0}


FAULTS = [{"match": "GET /2/users/*/mentions", "error_p": 0.25, "rate_limit_p": 0.15, "drop_p": 0.1}]


def _outcomes(client: tweepy.Client, user_id: str, n: int) -> list[str]:
    out = []
    for _ in range(n):
        try:
            client.get_users_mentions(user_id, user_auth=True)
            out.append("ok")
        except tweepy.TooManyRequests:
            out.append("429")
        except tweepy.TwitterServerError as exc:
            out.append(str(exc.response.status_code))
        except requests.ConnectionError:
            out.append("dropped")
    return out


def test_fault_injection_is_deterministic_by_seed(
    emu: EmulatorClient, brand: tweepy.Client, brand_id: str
) -> None:
    emu.set_faults(FAULTS, seed=3)
    first = _outcomes(brand, brand_id, 30)
    emu.set_faults(FAULTS, seed=3)
    assert _outcomes(brand, brand_id, 30) == first
    assert {"ok", "429", "dropped"} <= set(first) and {"500", "503"} & set(first)
    emu.set_faults(FAULTS, seed=4)
    assert _outcomes(brand, brand_id, 30) != first
    # A server started with the seed replays the same sequence.
    with start(seed=3) as other:
        other_client = other.client()
        other_client.create_user(BRAND)
        other_client.set_faults(FAULTS)
        assert _outcomes(tweepy_client(other.url, BRAND), brand_id, 30) == first
    assert emu.stats()["faults"]["drop"] == first.count("dropped")


def test_a_burst_of_5000_mentions_reaches_only_800(
    emu: EmulatorClient, brand: tweepy.Client, brand_id: str
) -> None:
    ids = emu.bulk_post([{"author": f"fan{i % 250}", "text": f"@{BRAND} outage? #{i}"} for i in range(5000)])
    assert len(ids) == 5000
    emu.reset_stats()
    tweets = _read_all(brand, brand_id, user_auth=True, max_results=100)
    assert len(tweets) == 800
    assert [str(t.id) for t in tweets] == list(reversed(ids[-800:]))
    stats = emu.stats()
    assert stats["by_endpoint"]["getUsersMentions"] == {
        "requests": 8,
        "posts_read": 800,
        "users_read": 0,
        "dm_events_read": 0,
    }


def test_long_posts_carry_their_full_text_in_note_tweet(emu: EmulatorClient, brand: tweepy.Client) -> None:
    emu.create_user("novelist", verified=True)
    full = f"@{BRAND} " + "I ordered a blender three weeks ago and it still has not shipped. " * 6
    post = emu.post("novelist", full.strip())
    tweet = brand.get_tweet(post["id"], tweet_fields=["note_tweet"]).data
    assert len(tweet.text) <= 280 and tweet.text.endswith("…")
    assert tweet.data["note_tweet"]["text"] == full.strip()


def test_like_is_posted_as_the_brand_and_counted_once(emu: EmulatorClient, brand: tweepy.Client) -> None:
    post = emu.post("fan", f"@{BRAND} you were great today, thank you!")
    answer = brand.like(post["id"], user_auth=True)
    assert answer.data == {"liked": True}
    brand.like(post["id"], user_auth=True)  # liking again changes nothing, as on X
    assert emu.get_post(post["id"])["public_metrics"]["like_count"] == 1
    with pytest.raises(tweepy.NotFound):
        brand.like("1234567890123456789", user_auth=True)


def test_following_a_customer_lets_them_dm_the_brand_and_the_brand_dm_them(
    emu: EmulatorClient, brand: tweepy.Client, emulator: EmulatorHandle
) -> None:
    # X's DM rule: a user with closed DMs takes messages from accounts they follow.
    shy = emu.create_user("shy", accepts_dms=False)
    emu.update_user(BRAND, accepts_dms=False)
    customer = tweepy_client(emulator.url, "shy")
    brand_id = emu.user(BRAND)["id"]
    with pytest.raises(tweepy.Forbidden, match="You cannot send messages to this user"):
        customer.create_direct_message(participant_id=brand_id, text="my booking ref is ABC123")
    assert brand.follow_user(shy["id"], user_auth=True).data == {"following": True, "pending_follow": False}
    assert emu.following(BRAND) == ["shy"]
    assert emu.user("shy")["followers_count"] == 1
    customer.create_direct_message(participant_id=brand_id, text="my booking ref is ABC123")
    # The customer follows the brand too ("follow me so I can DM"): the brand may DM them first.
    emu.follow("shy", BRAND)
    brand.create_direct_message(participant_id=shy["id"], text="Thanks, we are on it")
    assert [d["text"] for d in emu.dms(user="shy")][-1] == "Thanks, we are on it"


def test_likes_and_follows_act_only_for_the_token_s_user(emu: EmulatorClient, brand: tweepy.Client) -> None:
    other = emu.create_user("other")
    post = emu.post("fan", "hello")
    with pytest.raises(tweepy.Forbidden, match="on behalf of another user"):
        brand.request("POST", f"/2/users/{other['id']}/likes", json={"tweet_id": post["id"]}, user_auth=True)
    with pytest.raises(tweepy.BadRequest):
        brand.request("POST", f"/2/users/{emu.user(BRAND)['id']}/following", json={}, user_auth=True)
