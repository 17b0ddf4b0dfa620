"""Bad input gets a 4xx with a JSON error that says what is wrong, never a 500, and changes nothing."""

from __future__ import annotations

import pytest

from tests.support.casework_fakes import CaseWorld
from tests.unit.agent_api.conftest import Api


@pytest.fixture
def case_id(world: CaseWorld) -> str:
    return world.open_case(assignee="ana").id


@pytest.mark.parametrize(
    ("raw", "status", "code", "says"),
    [
        (b'{"text": "hi"', 422, "invalid_json", "not valid JSON"),
        (b"not json at all", 422, "invalid_json", "not valid JSON"),
        (b"[1, 2]", 422, "invalid_request", "body"),
        (b"{}", 422, "invalid_request", "either text or canned_response_id"),
        (b'{"text": "hi", "urgent": true}', 422, "invalid_request", "body.urgent: is not a field"),
        (b'{"text": 42}', 422, "invalid_request", "body.text"),
        (b'{"text": "hi", "channel": "fax"}', 422, "invalid_request", "body.channel"),
        (b'{"text": ""}', 422, "invalid_request", "body.text"),
        (b'{"text": "   \\n "}', 422, "invalid_request", "body.text: is empty"),
        (b'{"text": "\\u200b\\u200b\\u200b"}', 422, "invalid_request", "body.text: is empty"),
        (b'{"text": "\\u200d\\u2060\\ufeff\\u3164"}', 422, "invalid_request", "body.text: is empty"),
        (b'{"text": "bad \\ud800 surrogate"}', 422, "invalid_request", "body.text"),
        (b'{"text": "nul \\u0000 byte"}', 422, "invalid_request", "control character"),
        (b'{"text": "caf\xe9"}', 400, "invalid_encoding", "not valid UTF-8"),
        (b'{"text": "hi", "in_reply_to_id": "abc"}', 422, "invalid_request", "body.in_reply_to_id"),
    ],
)
def test_a_bad_reply_body_is_a_json_4xx_naming_the_problem(
    api: Api, world: CaseWorld, case_id: str, raw: bytes, status: int, code: str, says: str
) -> None:
    answer = api.call("POST", f"/cases/{case_id}/replies", raw=raw)
    assert answer.status == status, answer.body
    assert answer.body["error"]["code"] == code
    assert says in answer.body["error"]["message"]
    assert not world.x.brand_posts()
    assert [m.direction for m in world.cases.messages(case_id)] == ["in"]


def test_a_20000_character_reply_is_refused_before_anything_is_sent(
    api: Api, world: CaseWorld, case_id: str
) -> None:
    answer = api.post(f"/cases/{case_id}/replies", {"text": "a" * 20_000})
    assert answer.status == 422
    assert "at most 10000 characters" in answer.body["error"]["message"]
    too_long_for_a_thread = api.post(f"/cases/{case_id}/replies", {"text": "word " * 1900})
    assert too_long_for_a_thread.status == 422
    assert too_long_for_a_thread.body["error"]["code"] == "reply_too_long"
    assert "25 posts" in too_long_for_a_thread.body["error"]["message"]
    assert not world.x.brand_posts()


def test_other_bodies_headers_and_paths(api: Api, case_id: str) -> None:
    cid = case_id
    checks = [
        (api.post(f"/cases/{case_id}/notes", {"text": ""}), 422, "invalid_request"),
        (api.post(f"/cases/{case_id}/notes", {"text": "x" * 5001}), 422, "invalid_request"),
        (api.post(f"/cases/{cid}/reassign", {"queue": "general", "agent_id": "ben"}), 422, "invalid_request"),
        (api.post(f"/cases/{case_id}/reassign", {}), 422, "invalid_request"),
        (api.post(f"/cases/{case_id}/reassign", {"queue": "no-such-queue"}), 422, "invalid"),
        (api.post(f"/cases/{case_id}/resolve", {"reason": 7}), 422, "invalid_request"),
        (api.post(f"/cases/{case_id}/replies", {"text": "x"}, headers={"Idempotency-Key": "has space"}), 422,
         "invalid_request"),
        (api.call("POST", f"/cases/{cid}/notes", raw=b"text=hi", headers={"Content-Type": "text/plain"}), 415,
         "unsupported_media_type"),
        (api.get("/cases/bad%20id"), 422, "invalid_request"),
        (api.get("/cases", query={"limit": "0"}), 422, "invalid_request"),
        (api.get("/cases", query={"limit": "many"}), 422, "invalid_request"),
        (api.get("/nowhere"), 404, "no_such_route"),
        (api.call("PATCH", f"/cases/{case_id}"), 404, "no_such_route"),
    ]  # fmt: skip
    for answer, status, code in checks:
        assert (answer.status, answer.body["error"]["code"]) == (status, code), answer.body
        assert answer.body["error"]["message"]


def test_a_field_error_lists_each_field_and_problem(api: Api, case_id: str) -> None:
    answer = api.post(f"/cases/{case_id}/replies", {"text": 1, "channel": "fax", "x": 1})
    fields = {d["field"] for d in answer.body["error"]["details"]}
    assert {"body.text", "body.channel", "body.x"} <= fields
