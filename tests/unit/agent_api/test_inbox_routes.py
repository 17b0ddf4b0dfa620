"""What the web inbox needs from the agent API: presence, the customer's earlier cases, the reply preview,
conditional GETs, search and the brand's agents."""

from __future__ import annotations

from datetime import timedelta

from carebird.cases.model import CaseStatus, Channel
from carebird.outbound.text import split_thread
from tests.support.casework_fakes import CaseWorld
from tests.unit.agent_api.conftest import Api

LONG = " ".join(f"Sentence {i} says what we will do about your refund, step by step." for i in range(12))


# ---------------------------------------------------------------------------------------------- presence


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


def test_a_refused_claim_names_the_holder_by_name(api: Api, world: CaseWorld) -> None:
    case = world.open_case()
    assert api.post(f"/cases/{case.id}/claim", agent="ben").status == 200
    refused = api.post(f"/cases/{case.id}/claim")
    assert refused.status == 409
    error = refused.body["error"]
    assert error["holder"] == "ben" and error["holder_name"] == "Ben" and "Ben" in error["message"]


# ---------------------------------------------------------------------------------------------- customer


def test_the_case_lists_the_customers_earlier_cases_newest_first_with_csat(
    api: Api, world: CaseWorld
) -> None:
    first = world.open_case("@AcmeHelp card declined")
    api.post(f"/cases/{first.id}/resolve", agent="sue")
    world.scores.scores[first.id] = 4
    world.clock.advance(3600)
    second = world.open_case("@AcmeHelp charged twice", queue="technical", skill="technical")
    world.clock.advance(3600)
    current = world.open_case("@AcmeHelp still no refund")
    customer = api.get(f"/cases/{current.id}").body["customer"]
    assert customer["username"] == "alice" and customer["name"] == "Alice" and customer["followers"] == 340
    assert customer["verified"] is False
    earlier = customer["earlier_cases"]
    assert [c["id"] for c in earlier] == [second.id, first.id]  # the case itself is left out
    assert earlier[1]["status"] == "resolved" and earlier[1]["csat"] == 4
    assert earlier[1]["resolved_at"].startswith("2026-11-23T10:00") and earlier[1]["opened_at"]
    assert (
        earlier[0]["status"] == "queued" and earlier[0]["resolved_at"] is None and earlier[0]["csat"] is None
    )
    # Listed even from a queue the agent does not work: it is the customer's history, not the case.
    assert api.get(f"/cases/{second.id}").status == 403


# ---------------------------------------------------------------------------------------------- preview


def test_a_long_reply_previews_as_the_thread_delivery_will_post(api: Api, world: CaseWorld) -> None:
    case = world.open_case()
    answer = api.post(f"/cases/{case.id}/replies/preview", {"text": LONG, "channel": "public"})
    assert answer.status == 200
    preview = answer.body
    assert [p["text"] for p in preview["parts"]] == split_thread(LONG)
    assert len(preview["parts"]) > 1 and preview["parts"][0]["text"].endswith(f" 1/{len(preview['parts'])}")
    assert all(p["weighted_length"] <= 280 for p in preview["parts"])
    assert preview["weighted_length"] == len(LONG) and preview["max_weighted_length"] == 280
    assert preview["contains_link"] is False and preview["warnings"] == [] and preview["sendable"] is True
    assert preview["estimated_cost_usd"] == round(0.015 * len(preview["parts"]), 3)
    assert world.x.calls.total() == 0 and world.outbox.replies(case.id) == []  # nothing sent or stored


def test_a_link_costs_thirteen_posts_and_says_so(api: Api, world: CaseWorld) -> None:
    case = world.open_case()
    preview = api.post(
        f"/cases/{case.id}/replies/preview",
        {"text": "Your refund is on its way: https://acme.example.com/refunds/R-1", "channel": "public"},
    ).body
    assert preview["contains_link"] is True and preview["estimated_cost_usd"] == 0.2
    (warning,) = preview["warnings"]
    assert warning["code"] == "link_cost" and "13 times" in warning["message"]
    assert preview["sendable"] is True
    # The same by DM: X bills a direct message the same whatever it holds.
    dm = api.post(
        f"/cases/{case.id}/replies/preview", {"text": "See https://acme.example.com/r", "channel": "dm"}
    )
    assert dm.body["estimated_cost_usd"] == 0.015 and dm.body["warnings"] == []
    assert dm.body["max_weighted_length"] == 10_000


def test_text_that_shows_nothing_is_empty_and_not_sendable(api: Api, world: CaseWorld) -> None:
    case = world.open_case()
    for text in ("", "   ", "\u200b\u200b", "\u2800 \u3164", "\ufeff\u200d"):
        preview = api.post(f"/cases/{case.id}/replies/preview", {"text": text, "channel": "public"}).body
        assert [w["code"] for w in preview["warnings"]] == ["empty"], text
        assert preview["parts"] == [] and preview["sendable"] is False and preview["estimated_cost_usd"] == 0
    # Sending agrees: the same invisible text is refused (by the request's validation, before delivery),
    # and nothing reaches X.
    api.post(f"/cases/{case.id}/claim")
    sent = api.post(f"/cases/{case.id}/replies", {"text": "\u200b\u200b"})
    assert sent.status == 422 and sent.body["error"]["details"][0]["field"] == "body.text"
    assert "invisible" in sent.body["error"]["details"][0]["problem"]
    assert world.x.calls.total() == 0


def test_too_long_is_not_sendable(api: Api, world: CaseWorld) -> None:
    case = world.open_case()
    preview = api.post(
        f"/cases/{case.id}/replies/preview", {"text": "word " * 1900, "channel": "public"}
    ).body
    assert [w["code"] for w in preview["warnings"]] == ["too_long"] and preview["sendable"] is False


def test_a_post_that_does_not_mention_the_brand_warns_that_x_will_refuse_a_reply(
    api: Api, world: CaseWorld
) -> None:
    case = world.open_case("my card was charged twice, not happy", mentions_brand=False)
    preview = api.post(f"/cases/{case.id}/replies/preview", {"text": "Sorry!", "channel": "public"}).body
    assert [w["code"] for w in preview["warnings"]] == ["reply_not_allowed"] and preview["sendable"] is False
    # X agrees when the agent sends anyway; the preview then knows it for certain.
    api.post(f"/cases/{case.id}/claim")
    sent = api.post(f"/cases/{case.id}/replies", {"text": "Sorry!"})
    assert sent.status == 422 and sent.body["error"]["code"] == "reply_not_allowed"
    again = api.post(f"/cases/{case.id}/replies/preview", {"text": "Hello", "channel": "public"}).body
    assert (
        again["warnings"][0]["code"] == "reply_not_allowed"
        and "already refused" in again["warnings"][0]["message"]
    )
    # A direct message is fine.
    dm = api.post(f"/cases/{case.id}/replies/preview", {"text": "Sorry!", "channel": "dm"}).body
    assert dm["warnings"] == [] and dm["sendable"] is True


def test_a_mention_of_the_brand_allows_the_reply(api: Api, world: CaseWorld) -> None:
    case = world.open_case("hey @acmehelp my card was charged twice")
    preview = api.post(f"/cases/{case.id}/replies/preview", {"text": "On it", "channel": "public"}).body
    assert preview["warnings"] == [] and preview["sendable"] is True


def test_a_dm_x_refused_makes_the_next_dm_preview_warn(api: Api, world: CaseWorld) -> None:
    case = world.open_case()
    api.post(f"/cases/{case.id}/claim")
    assert (
        api.post(f"/cases/{case.id}/replies/preview", {"text": "Hi", "channel": "dm"}).body["warnings"] == []
    )
    world.x.closed_dms.add(case.customer.id)
    refused = api.post(f"/cases/{case.id}/replies", {"text": "Can you DM us your order?", "channel": "dm"})
    assert refused.status == 422 and refused.body["error"]["code"] == "dm_not_allowed"
    preview = api.post(f"/cases/{case.id}/replies/preview", {"text": "Hi", "channel": "dm"}).body
    assert [w["code"] for w in preview["warnings"]] == ["dm_closed"] and preview["sendable"] is False


def test_a_canned_response_previews_filled_in(api: Api, world: CaseWorld) -> None:
    case = world.open_case()
    api.call(
        "PUT",
        "/canned-responses/refund",
        {"title": "Refund", "text": "Hi {customer_name}, ref {ref}."},
        agent="sue",
    )
    preview = api.post(
        f"/cases/{case.id}/replies/preview", {"canned_response_id": "refund", "variables": {"ref": "R-9"}}
    ).body
    assert preview["text"] == "Hi Alice, ref R-9." and preview["parts"][0]["text"] == "Hi Alice, ref R-9."


def test_preview_bad_input_is_a_4xx(api: Api, world: CaseWorld) -> None:
    case = world.open_case()
    path = f"/cases/{case.id}/replies/preview"
    assert api.post(path, {"text": "x", "channel": "fax"}).status == 422
    assert api.post(path, {"channel": "public"}).status == 422
    assert api.post(path, {"text": "bad \ud800"}).status in (400, 422)
    assert api.post(path, {"text": "x", "in_reply_to_id": "1"}).body["error"]["code"] == "invalid"
    assert api.post(path, {"text": "x"}, agent="chen").status == 403
    assert api.post("/cases/1000-t404/replies/preview", {"text": "x"}).status == 404


# ---------------------------------------------------------------------------------------------- ETags


def test_an_unchanged_list_answers_304_and_a_new_case_changes_it(api: Api, world: CaseWorld) -> None:
    world.open_case()
    first = api.get("/cases")
    tag = first.headers["ETag"]
    assert first.status == 200 and tag.startswith('W/"') and "no-cache" in first.headers["Cache-Control"]
    world.clock.advance(5)
    same = api.get("/cases", headers={"If-None-Match": tag})
    assert same.status == 304 and same.body is None and same.headers["ETag"] == tag
    world.open_case("@AcmeHelp another problem")
    changed = api.get("/cases", headers={"If-None-Match": tag})
    assert changed.status == 200 and changed.headers["ETag"] != tag and len(changed.body["cases"]) == 2
    assert api.get("/cases", headers={"If-None-Match": '"something-else"'}).status == 200


def test_a_case_is_not_modified_while_only_its_clock_runs(api: Api, world: CaseWorld) -> None:
    case = world.open_case(due_in=timedelta(hours=1))
    first = api.get(f"/cases/{case.id}")
    tag = first.headers["ETag"]
    world.clock.advance(10)  # seconds_left changed, nothing else did
    assert api.get(f"/cases/{case.id}", headers={"If-None-Match": tag}).status == 304
    api.post(f"/cases/{case.id}/claim", agent="ben")
    assert api.get(f"/cases/{case.id}", headers={"If-None-Match": tag}).status == 200
    queues = api.get("/queues")
    world.clock.advance(10)
    assert api.get("/queues", headers={"If-None-Match": queues.headers["ETag"]}).status == 304
    world.clock.advance(3600)  # now late: the count changes, so the tag does
    assert api.get("/queues", headers={"If-None-Match": queues.headers["ETag"]}).status == 200


# ---------------------------------------------------------------------------------------------- search


def test_search_finds_handle_name_and_message_text_case_insensitively(api: Api, world: CaseWorld) -> None:
    refund = world.open_case("@AcmeHelp Where is my REFUND?")
    wifi = world.open_case("@AcmeHelp the wifi on board is broken", status=CaseStatus.QUEUED)
    assert [c["id"] for c in api.get("/cases", query={"q": "refund"}).body["cases"]] == [refund.id]
    assert [c["id"] for c in api.get("/cases", query={"q": "WiFi"}).body["cases"]] == [wifi.id]
    assert len(api.get("/cases", query={"q": "@ALICE"}).body["cases"]) == 2
    assert api.get("/cases", query={"q": "nothing like this"}).body["cases"] == []
    # On top of the other filters.
    api.post(f"/cases/{wifi.id}/claim")
    assert [c["id"] for c in api.get("/cases", query={"q": "alice", "assignee": "me"}).body["cases"]] == [
        wifi.id
    ]
    assert api.get("/cases", query={"q": ""}).status == 422
    summary = api.get("/cases", query={"q": "refund"}).body["cases"][0]
    assert summary["first_line"] == "@AcmeHelp Where is my REFUND?"


# ---------------------------------------------------------------------------------------------- agents


def test_agents_list_the_brand_for_agents_and_supervisors(api: Api, world: CaseWorld) -> None:
    case = world.open_case()
    api.post(f"/cases/{case.id}/claim", agent="ben")
    listed = api.get("/agents").body["agents"]
    assert [a["id"] for a in listed] == ["ana", "ben", "chen", "sue", "tri"]
    ben = next(a for a in listed if a["id"] == "ben")
    assert ben == {
        "id": "ben", "name": "Ben", "available": True, "skills": ["billing", "bookings"], "languages": ["en"],
        "open_cases": 1, "capacity": 5, "supervisor": False,
    }  # fmt: skip
    assert next(a for a in listed if a["id"] == "sue")["supervisor"] is True
    assert api.get("/agents", agent="sue").body["agents"] == listed
    assert api.get("/agents", brand="999").status == 403
    assert api.get("/agents", agent="mallory").status == 403


def test_dm_cases_preview_as_dms_by_default(api: Api, world: CaseWorld) -> None:
    case = world.open_case(channel=Channel.DM)
    preview = api.post(f"/cases/{case.id}/replies/preview", {"text": "Hello there"}).body
    assert preview["max_weighted_length"] == 10_000 and preview["weighted_length"] == len("Hello there")


def test_each_listed_case_says_which_clock_it_races_and_when(api: Api, world: CaseWorld) -> None:
    now = world.clock.now()
    waiting = world.open_case(due_in=timedelta(minutes=20), at_risk_at=now + timedelta(minutes=16))
    answered = world.open_case(
        assignee="ana",
        status=CaseStatus.PENDING_CUSTOMER,
        first_response_at=now,
        next_response_due=now + timedelta(minutes=50),
        next_response_at_risk_at=now + timedelta(minutes=40),
    )
    paused = world.open_case(assignee="ana", status=CaseStatus.PENDING_CUSTOMER, first_response_at=now)
    listed = {c["id"]: c for c in api.get("/cases").body["cases"]}
    assert listed[waiting.id]["due_clock"] == "first_response"
    assert listed[waiting.id]["due_at"].startswith("2026-11-23T10:20")
    assert listed[waiting.id]["at_risk_at"].startswith("2026-11-23T10:16")
    assert listed[answered.id]["due_clock"] == "next_response"
    assert listed[answered.id]["due_at"].startswith("2026-11-23T10:50")
    assert listed[paused.id]["due_clock"] is None and listed[paused.id]["due_at"] is None
    assert listed[waiting.id]["sentiment"] is None and listed[waiting.id]["first_line"].startswith(
        "@AcmeHelp"
    )
