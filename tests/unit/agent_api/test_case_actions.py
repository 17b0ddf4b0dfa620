"""Working a case (carebird.agent_api.case_actions): presence, notes, reassignment (kept as routing
corrections for retraining), resolving and reopening, liking and following; and nothing closed unseen:
the closed-automatically list, one-action restore (kept as a correction), and resolving the acknowledge
lane in a batch."""

from __future__ import annotations

from carebird.cases.model import CaseStatus
from tests.support.casework_fakes import CaseWorld
from tests.unit.agent_api.conftest import Api


def test_an_agent_sees_who_else_has_the_case_open_and_who_types(api: Api, world: CaseWorld) -> None:
    case = world.open_case()
    assert api.call("PUT", f"/cases/{case.id}/presence", {"typing": False}).body == {"presence": []}
    answer = api.call("PUT", f"/cases/{case.id}/presence", {"typing": True}, agent="ben")
    assert answer.status == 200
    (ana,) = answer.body["presence"]  # ben sees ana, never himself
    assert ana["agent_id"] == "ana" and ana["name"] == "Ana" and ana["typing"] is False
    assert ana["until"].startswith("2026-11-23T10:00:30")
    seen_by_ana = api.get(f"/cases/{case.id}").body["presence"]
    assert [(p["name"], p["typing"]) for p in seen_by_ana] == [("Ben", True)]
    sue = api.get(f"/cases/{case.id}", agent="sue").body["presence"]
    assert sorted(p["agent_id"] for p in sue) == ["ana", "ben"]


def test_presence_expires_after_thirty_seconds_though_the_mark_is_still_stored(
    api: Api, world: CaseWorld
) -> None:
    case = world.open_case()
    api.call("PUT", f"/cases/{case.id}/presence", {"typing": True}, agent="ben")
    world.clock.advance(29)
    assert [p["agent_id"] for p in api.get(f"/cases/{case.id}").body["presence"]] == ["ben"]
    world.clock.advance(2)
    assert api.get(f"/cases/{case.id}").body["presence"] == []
    assert len(world.presence.present(case.id)) == 1  # TTL has not deleted it: the read filtered it


def test_presence_is_refused_where_the_case_is_not_visible_and_for_bad_bodies(
    api: Api, world: CaseWorld
) -> None:
    case = world.open_case()
    assert api.call("PUT", f"/cases/{case.id}/presence", {"typing": True}, agent="chen").status == 403
    assert api.call("PUT", f"/cases/{case.id}/presence", {"typing": True}, brand="999").status == 403
    assert api.call("PUT", "/cases/1000-t404/presence", {"typing": True}).status == 404
    for body in ({}, {"typing": "perhaps"}, {"typing": True, "extra": 1}):
        answer = api.call("PUT", f"/cases/{case.id}/presence", body)
        assert answer.status == 422 and answer.body["error"]["code"] == "invalid_request"
    assert world.presence.marks == {}


def test_resolve_and_reopen_follow_the_case_states(api: Api, world: CaseWorld) -> None:
    case = world.open_case(assignee="ana")
    resolved = api.post(f"/cases/{case.id}/resolve", {"reason": "refund issued"})
    assert resolved.status == 200 and resolved.body["status"] == "resolved"
    assert world.roster.holder(case.id) is None
    assert api.post(f"/cases/{case.id}/resolve").body["error"]["code"] == "invalid_transition"
    assert api.post(f"/cases/{case.id}/claim").status == 409
    reply = api.post(f"/cases/{case.id}/replies", {"text": "one more thing"})
    assert reply.status == 409 and "reopen" in reply.body["error"]["message"]
    reopened = api.post(f"/cases/{case.id}/reopen")  # no body: the reason is optional
    assert (
        reopened.status == 200 and reopened.body["status"] == "queued" and reopened.body["assignee"] is None
    )
    again = api.post(f"/cases/{case.id}/reopen", {"reason": "x"})
    assert again.status == 409 and "only resolved or closed" in again.body["error"]["message"]
    kinds = [r["kind"] for r in reopened.body["reasons"]]
    assert kinds[-2:] == ["resolved", "reopened"]


def test_resolving_someone_elses_case_needs_a_supervisor(api: Api, world: CaseWorld) -> None:
    case = world.open_case(assignee="ben")
    assert api.post(f"/cases/{case.id}/resolve").status == 409
    assert api.post(f"/cases/{case.id}/resolve", agent="sue").body["status"] == "resolved"


def test_notes_are_stored_as_data_and_shown_in_the_thread(api: Api, world: CaseWorld) -> None:
    case = world.open_case()
    script = "<script>alert('x')</script> & <b>bold</b>"
    note = api.post(f"/cases/{case.id}/notes", {"text": script})
    assert note.status == 201 and note.body["direction"] == "note" and note.body["text"] == script
    thread = api.get(f"/cases/{case.id}").body["thread"]
    assert thread[-1]["text"] == script and thread[-1]["author_id"] == "ana"
    assert not world.x.brand_posts()  # a note never reaches X


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


SPAM_CLOSE = "closed automatically: spam (confidence 0.93): spam: follower bait (f4f, gain followers)"


def closed_spam(world: CaseWorld, text: str) -> str:
    case = world.open_case(
        text,
        queue="triage",
        skill=None,
        status=CaseStatus.CLOSED,
        closed_reason=SPAM_CLOSE,
        classification={
            "skill": {"label": "billing", "confidence": 0.8},
            "sentiment": {"label": "negative", "confidence": 0.9},
            "urgency": {"value": True, "confidence": 0.9},
            "spam": {"value": True, "confidence": 0.93},
            "needs_response": {"value": False, "confidence": 0.93},
            "reasons": ["urgent (money): refund"],
        },
    )
    return case.id


def test_the_list_shows_what_triage_closed_and_who_may_see_it(api: Api, world: CaseWorld) -> None:
    spam = closed_spam(world, "@AcmeHelp f4f gain followers, and refund me")
    world.open_case("@AcmeHelp a plain open case")
    resolved = world.open_case("@AcmeHelp done", queue="triage", status=CaseStatus.CLOSED, closed_reason="x")
    listed = api.get("/closed-automatically", agent="tri")
    assert listed.status == 200
    assert [c["id"] for c in listed.body["cases"]] == [spam]
    (only,) = listed.body["cases"]
    assert only["closed_reason"].startswith("closed automatically") and "f4f" in only["text"]
    assert resolved.id not in {c["id"] for c in listed.body["cases"]}
    assert api.get("/closed-automatically", agent="sue").status == 200
    denied = api.get("/closed-automatically", agent="ana")  # ana works billing only
    assert denied.status == 403 and denied.body["error"]["code"]


def test_restore_routes_the_case_and_keeps_a_correction(api: Api, world: CaseWorld) -> None:
    spam = closed_spam(world, "@AcmeHelp f4f gain followers, and refund me")
    restored = api.post(f"/cases/{spam}/restore", {"reason": "a real refund request"}, agent="tri")
    assert restored.status == 200
    body = restored.body
    assert body["status"] == "queued" and body["queue"] == "billing"
    assert body["priority"] in ("P1", "P2")  # a time-critical complaint
    detail = api.get(f"/cases/{spam}", agent="sue").body
    assert detail["closed_reason"] is None
    assert detail["reasons"][-2]["kind"] == "restored" and detail["reasons"][-2]["by"] == "tri"
    assert "time-critical" in detail["reasons"][-1]["reason"]
    (correction,) = world.corrections.corrections(world.cases.get(spam).brand_id)  # type: ignore[union-attr]
    assert correction.kind == "restore" and correction.reason == "a real refund request"
    assert (correction.original_queue, correction.corrected_queue) == ("triage", "billing")
    assert correction.classification["spam"]["value"] is True  # the mistake, kept for training
    again = api.post(f"/cases/{spam}/restore", agent="sue")
    assert again.status == 409  # only an automatic close can be restored, and only once


def test_restore_refuses_a_case_a_person_closed(api: Api, world: CaseWorld) -> None:
    case = world.open_case("@AcmeHelp done", queue="triage", status=CaseStatus.CLOSED, closed_reason="x")
    assert api.post(f"/cases/{case.id}/restore", agent="tri").status == 409
    assert api.post("/cases/nope/restore", agent="tri").status == 404


def test_a_batch_of_thank_yous_is_resolved_at_once(api: Api, world: CaseWorld) -> None:
    first = world.open_case("@AcmeHelp thanks!")
    second = world.open_case("@AcmeHelp you rock")
    other = world.open_case("@AcmeHelp app", queue="technical", skill="technical")
    answer = api.post(
        "/cases/resolve", {"case_ids": [first.id, second.id, other.id, "missing"], "reason": "thanked"}
    )
    assert answer.status == 200
    results = answer.body["results"]
    assert results[first.id] == results[second.id] == "resolved"
    assert results[other.id].startswith("Forbidden") and results["missing"].startswith("NotFound")
    assert world.cases.get(first.id).status is CaseStatus.RESOLVED  # type: ignore[union-attr]
    assert api.post("/cases/resolve", {"case_ids": []}).status == 422
    assert api.post("/cases/resolve", {"case_ids": ["bad id!"]}).status == 422


def test_an_agent_likes_praise_in_one_action(api: Api, world: CaseWorld) -> None:
    case = world.open_case("@AcmeHelp you were wonderful today, thank you!", queue="billing")
    liked = api.post(f"/cases/{case.id}/like")
    assert liked.status == 200 and liked.body == {"case_id": case.id, "post_id": case.message_ids[0]}
    assert world.x.likes == {case.message_ids[0]}
    assert api.get(f"/cases/{case.id}").body["reasons"][-1]["kind"] == "liked"
    world.x.script.append("429:60")
    busy = api.post(f"/cases/{case.id}/like")
    assert busy.status == 503 and busy.body["error"]["code"] == "x_unavailable"


def test_an_agent_follows_a_customer_who_asked_to_dm(api: Api, world: CaseWorld) -> None:
    case = world.open_case("@AcmeHelp follow me so I can DM you my booking details")
    followed = api.post(f"/cases/{case.id}/follow")
    assert followed.status == 200
    assert followed.body == {
        "case_id": case.id,
        "user_id": case.customer.id,
        "username": "alice",
        "following": True,
    }
    assert world.x.following == {case.customer.id}
    reasons = api.get(f"/cases/{case.id}").body["reasons"]
    assert reasons[-1]["kind"] == "followed" and "can DM" in reasons[-1]["reason"]
    assert api.post("/cases/nope/follow").status == 404
