"""Canned responses (carebird.agent_api.canned) and their placeholders, substituted, never evaluated."""

from __future__ import annotations

import pytest

from carebird.casework.canned import placeholders, render
from carebird.casework.errors import Invalid
from tests.support.casework_fakes import CaseWorld
from tests.unit.agent_api.conftest import Api


def test_supervisors_manage_canned_responses_and_agents_reply_with_them(api: Api, world: CaseWorld) -> None:
    text = (
        "Hi {customer_name}, {agent_name} here from {brand_handle}. Your refund {ref} is on its way {{ok}}."
    )
    refused = api.call("PUT", "/canned-responses/refund-sent", {"title": "Refund sent", "text": text})
    assert refused.status == 403
    put = api.call(
        "PUT", "/canned-responses/refund-sent", {"title": "Refund sent", "text": text}, agent="sue"
    )
    assert put.status == 200 and put.body["updated_by"] == "sue"
    assert [r["id"] for r in api.get("/canned-responses").body["canned_responses"]] == ["refund-sent"]
    case = world.open_case(assignee="ana")
    missing = api.post(f"/cases/{case.id}/replies", {"canned_response_id": "refund-sent"})
    assert missing.status == 422 and "ref" in missing.body["error"]["message"]
    sent = api.post(
        f"/cases/{case.id}/replies", {"canned_response_id": "refund-sent", "variables": {"ref": "R-77"}}
    )
    assert sent.status == 201
    assert sent.body["text"] == "Hi Alice, Ana here from @AcmeHelp. Your refund R-77 is on its way {ok}."
    unknown = api.post(f"/cases/{case.id}/replies", {"canned_response_id": "nope"})
    assert unknown.status == 422 and "no canned response nope" in unknown.body["error"]["message"]
    assert api.call("DELETE", "/canned-responses/refund-sent", agent="sue").status == 204
    assert api.call("DELETE", "/canned-responses/refund-sent", agent="sue").status == 404


def test_placeholders_are_substituted_never_evaluated() -> None:
    assert placeholders("{a} {b} {a} {0.__class__} {{c}}") == ["a", "b"]
    assert render("{a.__class__} {a}", {"a": "x"}) == "{a.__class__} x"
    assert render("{{literal}} {name}", {"name": "{other}"}) == "{literal} {other}"
    with pytest.raises(Invalid, match="needs values for b"):
        render("{a} {b}", {"a": "1"})
