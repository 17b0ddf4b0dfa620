"""Bodies that break a parser (deep nesting, huge integers, multipart without a boundary, garbage multipart)
are a JSON 4xx on every route that takes a body, never a 5xx, and change nothing."""

from __future__ import annotations

import pytest

from carebird.cases.model import CaseStatus
from tests.support.casework_fakes import CaseWorld
from tests.unit.agent_api.conftest import Api

BODY_ROUTES = [
    ("POST", "/cases/{cid}/replies"),
    ("POST", "/cases/{cid}/notes"),
    ("POST", "/cases/{cid}/reassign"),
    ("POST", "/cases/{cid}/resolve"),
    ("POST", "/cases/{cid}/reopen"),
    ("PUT", "/canned-responses/greeting"),
]


@pytest.fixture
def case_id(world: CaseWorld) -> str:
    return world.open_case(assignee="ana").id


@pytest.mark.parametrize(("method", "route"), BODY_ROUTES)
@pytest.mark.parametrize(
    ("raw", "content_type", "status", "code"),
    [
        (b"[" * 50_000, "application/json", 422, "invalid_json"),
        (b'{"text": ' + b"9" * 5_000 + b"}", "application/json", 422, "invalid_json"),
        (b'{"reason": ' + b"[" * 200 + b"]" * 200 + b"}", "application/json", 422, "invalid_json"),
        (b'{"text": "' + b"a" * 300_000 + b'"}', "application/json", 413, "body_too_large"),
        (b"garbage", "multipart/form-data", 415, "unsupported_media_type"),
        (b"garbage", "multipart/form-data; boundary=X", 415, "unsupported_media_type"),
        (b"text=hi", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        (b"<text>hi</text>", "application/xml", 415, "unsupported_media_type"),
    ],
    ids=["deep-array", "5000-digit-int", "deep-in-field", "300kB", "multipart", "multipart-boundary",
         "form", "xml"],
)  # fmt: skip
def test_a_body_no_parser_should_see_is_a_json_4xx(
    api: Api,
    world: CaseWorld,
    case_id: str,
    method: str,
    route: str,
    raw: bytes,
    content_type: str,
    status: int,
    code: str,
) -> None:
    before = world.cases.get(case_id)
    answer = api.call(
        method, route.format(cid=case_id), raw=raw, agent="sue", headers={"Content-Type": content_type}
    )
    assert (answer.status, answer.body["error"]["code"]) == (status, code), answer.body
    assert answer.body["error"]["message"]
    after = world.cases.get(case_id)
    assert after is not None and before is not None
    assert (after.status, after.version) == (before.status, before.version)
    assert not world.x.brand_posts()


def test_resolve_and_reopen_with_a_garbage_multipart_body_change_nothing(
    api: Api, world: CaseWorld, case_id: str
) -> None:
    multipart = {"Content-Type": "multipart/form-data; boundary=X"}
    answer = api.call("POST", f"/cases/{case_id}/resolve", raw=b"garbage", headers=multipart)
    assert answer.status == 415
    assert world.cases.get(case_id).status == CaseStatus.ASSIGNED  # type: ignore[union-attr]
    assert api.post(f"/cases/{case_id}/resolve", {"reason": "done"}).status == 200
    answer = api.call("POST", f"/cases/{case_id}/reopen", raw=b"garbage", headers=multipart)
    assert answer.status == 415
    assert world.cases.get(case_id).status == CaseStatus.RESOLVED  # type: ignore[union-attr]


def test_a_bodyless_resolve_still_works_with_or_without_a_json_content_type(
    api: Api, world: CaseWorld, case_id: str
) -> None:
    assert api.call("POST", f"/cases/{case_id}/resolve", headers={"Content-Type": ""}).status == 200
    assert api.call("POST", f"/cases/{case_id}/reopen").status == 200
    charset = {"Content-Type": "application/json; charset=utf-8"}
    assert api.call("POST", f"/cases/{case_id}/notes", {"text": "hi"}, headers=charset).status == 201
