"""Malformed parameters get X's invalid-request problem, naming every bad parameter and value."""

from __future__ import annotations

from typing import Any

import pytest

from carebird_ops.xemu.credentials import user_id_for
from carebird_ops.xemu.operations import TWEET_FIELDS
from tests.unit.xemu.harness import BRAND, CANONICAL, X

MENTIONS = f"/2/users/{user_id_for(BRAND)}/mentions"
INVALID = {
    "title": "Invalid Request",
    "detail": "One or more parameters to your request was invalid.",
    "type": "https://api.twitter.com/2/problems/invalid-request",
}


def _problem(x: X, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    response = x.get(path, params)
    assert response.status_code == 400, response.json
    assert response.mimetype == "application/problem+json"
    body = response.json
    assert {k: body[k] for k in INVALID} == INVALID
    return body["errors"]


ALL_TWEET_FIELDS = ",".join(TWEET_FIELDS)


@pytest.mark.parametrize(
    ("params", "parameter", "message"),
    [
        (
            {"max_results": "3"},
            "max_results",
            "The `max_results` query parameter value [3] is not between 5 and 100",
        ),
        ({"max_results": "101"}, "max_results", "is not between 5 and 100"),
        ({"max_results": "ten"}, "max_results", "is not a valid integer"),
        (
            {"since_id": "abc"},
            "since_id",
            "The `since_id` query parameter value [abc] does not match ^[0-9]{1,19}$",
        ),
        ({"until_id": "12345678901234567890"}, "until_id", "does not match"),
        ({"tweet.fields": "id,colour"}, "tweet.fields", f"value [colour] is not one of [{ALL_TWEET_FIELDS}]"),
        (
            {"expansions": "author"},
            "expansions",
            "The `expansions` query parameter value [author] is not one of",
        ),
        ({"user.fields": ""}, "user.fields", "The `user.fields` query parameter value [] is not one of"),
        ({"start_time": "2024-01-01"}, "start_time", "is not a valid RFC3339 date-time"),
        ({"end_time": "2024-01-01T10:00:00"}, "end_time", "is not a valid RFC3339 date-time"),
        ({"start_time": "2024-13-01T00:00:00Z"}, "start_time", "is not a valid date-time"),
        ({"start_time": "2009-01-01T00:00:00Z"}, "start_time", "must be on or after 2010-11-06T00:00:00Z"),
        ({"pagination_token": "notatoken"}, "pagination_token", "is not valid"),
        (
            {"colour": "blue"},
            "colour",
            "The query parameter [colour] is not one of [tweet.fields,expansions,",
        ),
    ],
)
def test_mentions_parameter_errors(x: X, params: dict[str, str], parameter: str, message: str) -> None:
    errors = _problem(x, MENTIONS, params)
    assert len(errors) == 1
    assert list(errors[0]["parameters"]) == [parameter]
    assert message in errors[0]["message"]


def test_every_bad_parameter_is_reported_at_once(x: X) -> None:
    errors = _problem(x, MENTIONS, {"max_results": "3", "since_id": "abc", "tweet.fields": "nope"})
    assert [list(e["parameters"]) for e in errors] == [["max_results"], ["since_id"], ["tweet.fields"]]
    assert errors[0]["parameters"] == {"max_results": ["3"]}


def test_start_time_must_precede_end_time(x: X) -> None:
    errors = _problem(x, MENTIONS, {"start_time": "2024-01-02T00:00:00Z", "end_time": "2024-01-01T00:00:00Z"})
    assert "'start_time' must be before 'end_time'" in errors[0]["message"]


def test_path_ids_must_be_numeric(x: X) -> None:
    errors = _problem(x, "/2/users/alice/mentions", {})
    assert errors[0]["parameters"] == {"id": ["alice"]}
    assert _problem(x, "/2/tweets/12ab", {})[0]["parameters"] == {"id": ["12ab"]}


def test_lookup_lists(x: X) -> None:
    assert "can not be empty" in _problem(x, "/2/tweets", {})[0]["message"]
    too_many = ",".join(str(i) for i in range(1, 102))
    assert "[101] is not between 1 and 100" in _problem(x, "/2/tweets", {"ids": too_many})[0]["message"]
    assert _problem(x, "/2/users", {"ids": "1,x"})[0]["parameters"] == {"ids": ["x"]}
    assert _problem(x, "/2/users/by", {"usernames": "ok,not-valid"})[0]["parameters"] == {
        "usernames": ["not-valid"]
    }


def test_dm_reads_validate_their_own_parameters(x: X) -> None:
    assert "between 1 and 100" in _problem(x, "/2/dm_events", {"max_results": "0"})[0]["message"]
    assert _problem(x, "/2/dm_events", {"event_types": "Typing"})[0]["parameters"] == {
        "event_types": ["Typing"]
    }
    assert _problem(x, "/2/dm_events", {"since_id": "1"})[0]["message"].startswith(
        "The query parameter [since_id]"
    )


def test_bad_bodies_on_create(x: X) -> None:
    def create(body: Any) -> list[dict[str, Any]]:
        response = x.post("/2/tweets", body)
        assert response.status_code == 400, response.json
        return response.json["errors"]

    assert "is missing but it is required" in create({})[0]["message"]
    assert "not defined in the schema" in create({"text": "hi", "colour": "red"})[0]["message"]
    assert "int found, string expected" in create({"text": 5})[0]["message"]
    assert "regex pattern" in create({"text": "hi", "reply": {"in_reply_to_tweet_id": "abc"}})[0]["message"]
    assert "not emulated" in create({"text": "hi", "media": {"media_ids": ["1"]}})[0]["message"]
    headers = x.auth_headers("POST", CANONICAL + "/2/tweets", user=BRAND)
    bad_json = x.open("/2/tweets", "POST", data="{", headers=headers, content_type="application/json")
    assert bad_json.status_code == 400
    assert bad_json.json["errors"] == [{"message": "Request body is not valid JSON."}]
