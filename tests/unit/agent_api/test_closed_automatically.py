"""Nothing closed unseen: the closed-automatically list, one-action restore (kept as a correction), and
resolving the acknowledge lane in a batch."""

from __future__ import annotations

from carebird.cases.model import CaseStatus
from tests.support.casework_fakes import CaseWorld
from tests.unit.agent_api.conftest import Api

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
