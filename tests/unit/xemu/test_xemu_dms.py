"""Direct messages: sends with X's refusals, reads newest first with fields, expansions and paging."""

from __future__ import annotations

from carebird_ops.xemu.credentials import user_id_for
from tests.unit.xemu.harness import BRAND, Reply, X

ALICE = user_id_for("alice")


def _send(x: X, to: str, text: str, user: str = BRAND) -> Reply:
    return x.post(f"/2/dm_conversations/with/{user_id_for(to)}/messages", {"text": text}, user=user)


def test_send_and_read_back(x: X) -> None:
    x.user("alice")
    sent = _send(x, "alice", "Hi Alice, can you share your order number?")
    assert sent.status_code == 201
    low, high = sorted((ALICE, user_id_for(BRAND)), key=int)
    assert sent.json["data"]["dm_conversation_id"] == f"{low}-{high}"
    event_id = sent.json["data"]["dm_event_id"]

    reply = _send(x, BRAND, "It's 12345", user="alice")
    assert reply.status_code == 201

    params = {"dm_event.fields": "sender_id,created_at,dm_conversation_id", "expansions": "sender_id"}
    events = x.get("/2/dm_events", params).json
    assert [e["text"] for e in events["data"]] == ["It's 12345", "Hi Alice, can you share your order number?"]
    assert events["data"][1]["id"] == event_id
    assert events["data"][0]["sender_id"] == ALICE
    assert {u["username"] for u in events["includes"]["users"]} == {"alice", BRAND}
    assert events["meta"] == {"result_count": 2}
    plain = x.get("/2/dm_events").json["data"][0]
    assert set(plain) == {"id", "event_type", "text"}
    with_alice = x.get(f"/2/dm_conversations/with/{ALICE}/dm_events").json
    assert len(with_alice["data"]) == 2
    by_conv = x.get(f"/2/dm_conversations/{low}-{high}/dm_events").json
    assert by_conv["data"] == with_alice["data"]


def test_closed_dms_are_refused_unless_the_user_wrote_first(x: X) -> None:
    x.user("shy", accepts_dms=False)
    refused = _send(x, "shy", "hello")
    assert refused.status_code == 403
    assert refused.json == {"title": "Forbidden", "detail": "You cannot send messages to this user.",
                            "type": "about:blank", "status": 403}  # fmt: skip
    x.control("POST", "dms", {"sender": "shy", "recipient": BRAND, "text": "I need help"})
    assert _send(x, "shy", "Sure, what happened?").status_code == 201


def test_send_errors(x: X) -> None:
    assert _send(x, "ghost", "hi").status_code == 400  # no such user
    assert _send(x, BRAND, "me").status_code == 400  # to oneself
    x.user("alice")
    empty = x.post(f"/2/dm_conversations/with/{ALICE}/messages", {"text": ""})
    assert empty.status_code == 400
    attached = x.post(f"/2/dm_conversations/with/{ALICE}/messages", {"attachments": [{"media_id": "1"}]})
    assert attached.status_code == 400


def test_send_by_conversation_id(x: X) -> None:
    x.user("alice")
    x.user("mallory")
    conv = _send(x, "alice", "first").json["data"]["dm_conversation_id"]
    assert x.post(f"/2/dm_conversations/{conv}/messages", {"text": "second"}).status_code == 201
    assert (
        x.post(f"/2/dm_conversations/{conv}/messages", {"text": "me too"}, user="mallory").status_code == 403
    )
    assert x.post("/2/dm_conversations/123456789012345678/messages", {"text": "?"}).status_code == 404
    assert [e.text for e in x.state.dm_events_of(x.state.users[ALICE])] == ["second", "first"]


def test_paging_dm_events(x: X) -> None:
    x.user("alice")
    for i in range(7):
        x.control("POST", "dms", {"sender": "alice", "recipient": BRAND, "text": f"message {i}"})
    seen: list[str] = []
    params: dict = {"max_results": 3}
    while True:
        body = x.get("/2/dm_events", params).json
        seen += [e["text"] for e in body["data"]]
        if "next_token" not in body["meta"]:
            break
        assert len(body["meta"]["next_token"]) >= 16  # X's base32 DM tokens
        params["pagination_token"] = body["meta"]["next_token"]
    assert seen == [f"message {i}" for i in reversed(range(7))]


def test_reading_someone_elses_conversation_is_refused(x: X) -> None:
    x.user("alice")
    x.user("bob")
    conv = x.control("POST", "dms", {"sender": "alice", "recipient": "bob", "text": "private"}).json
    assert x.get(f"/2/dm_conversations/{conv['dm_conversation_id']}/dm_events").status_code == 403
    assert x.get("/2/dm_events").json == {"meta": {"result_count": 0}}
