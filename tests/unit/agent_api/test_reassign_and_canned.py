"""Reassignment (kept as routing corrections for retraining) and canned responses with placeholders."""

from __future__ import annotations

import pytest

from carebird.casework.canned import placeholders, render
from carebird.casework.errors import Invalid
from tests.support.casework_fakes import CaseWorld
from tests.unit.agent_api.conftest import Api


def test_moving_a_case_to_another_queue_records_the_correction(api: Api, world: CaseWorld) -> None:
    case = world.open_case("@AcmeHelp the app crashes when I pay", assignee="ana")
    moved = api.post(
        f"/cases/{case.id}/reassign", {"queue": "technical", "reason": "an app bug, not billing"}
    )
    assert moved.status == 200
    assert moved.body["queue"] == "technical" and moved.body["skill"] == "technical"
    assert moved.body["status"] == "queued" and moved.body["assignee"] is None
    assert world.roster.holder(case.id) is None and world.roster.by_id["ana"].open_cases == 0
    (correction,) = world.corrections.corrections(case.brand_id)
    assert correction.kind == "queue"
    assert correction.text == "@AcmeHelp the app crashes when I pay"
    assert (correction.original_queue, correction.original_skill) == ("billing", "billing")
    assert (correction.corrected_queue, correction.corrected_skill) == ("technical", "technical")
    assert correction.agent_id == "ana" and correction.reason == "an app bug, not billing"
    assert correction.classification["skill"]["label"] == "billing"
    assert api.get(f"/cases/{case.id}").status == 403  # no longer in ana's queues
    detail = api.get(f"/cases/{case.id}", agent="chen").body
    assert detail["reasons"][-1]["kind"] == "queue" and "ana" in detail["reasons"][-1]["reason"]


def test_handing_a_case_to_an_agent_who_works_its_queue(api: Api, world: CaseWorld) -> None:
    case = world.open_case(assignee="ana")
    handed = api.post(f"/cases/{case.id}/reassign", {"agent_id": "ben"})
    assert handed.status == 200 and handed.body["assignee"] == "ben"
    assert world.roster.holder(case.id) == "ben"
    assert (world.roster.by_id["ana"].open_cases, world.roster.by_id["ben"].open_cases) == (0, 1)
    (correction,) = world.corrections.corrections(case.brand_id)
    assert (correction.kind, correction.original_assignee, correction.corrected_assignee) == (
        "agent",
        "ana",
        "ben",
    )
    assert (
        api.post(f"/cases/{case.id}/reassign", {"agent_id": "chen"}, agent="ben").status == 422
    )  # not billing
    assert api.post(f"/cases/{case.id}/reassign", {"agent_id": "nobody"}, agent="ben").status == 422
    assert api.post(f"/cases/{case.id}/reassign", {"queue": "general"}).status == 409  # ben holds it now


def test_reassigning_needs_an_open_case_and_a_new_place(api: Api, world: CaseWorld) -> None:
    case = world.open_case()
    same = api.post(f"/cases/{case.id}/reassign", {"queue": "billing"})
    assert same.status == 422 and "already in queue billing" in same.body["error"]["message"]
    api.post(f"/cases/{case.id}/resolve")
    closed = api.post(f"/cases/{case.id}/reassign", {"queue": "general"})
    assert closed.status == 409 and closed.body["error"]["code"] == "invalid_transition"
    assert world.corrections.corrections(case.brand_id) == []


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
