"""Finding and taking cases (carebird.agent_api.cases): the route list, reading queues and cases, who sees
what, conditional GETs, search, the customer's earlier cases, and claims that survive two agents
reaching for one case."""

from __future__ import annotations

from datetime import timedelta

from carebird.cases.model import CaseStatus
from tests.support.casework_fakes import CaseWorld
from tests.unit.agent_api.conftest import Api


def test_the_document_describes_every_operation_and_its_security(api: Api) -> None:
    document = api.get("/openapi", agent=None, query={"format": "json"}).body
    operations = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
    assert operations == {
        ("GET", "/health"), ("GET", "/me"), ("GET", "/queues"), ("GET", "/cases"),
        ("GET", "/cases/{case_id}"), ("POST", "/cases/{case_id}/claim"), ("POST", "/cases/{case_id}/unclaim"),
        ("POST", "/cases/{case_id}/replies"), ("POST", "/cases/{case_id}/notes"),
        ("POST", "/cases/{case_id}/reassign"), ("POST", "/cases/{case_id}/resolve"),
        ("POST", "/cases/{case_id}/reopen"), ("GET", "/canned-responses"),
        ("POST", "/cases/resolve"), ("GET", "/closed-automatically"), ("POST", "/cases/{case_id}/restore"),
        ("POST", "/cases/{case_id}/like"), ("POST", "/cases/{case_id}/follow"),
        ("PUT", "/canned-responses/{response_id}"), ("DELETE", "/canned-responses/{response_id}"),
        ("GET", "/reports/first-response"), ("GET", "/reports/sla"), ("GET", "/reports/csat"),
        ("GET", "/reports/volume"), ("GET", "/reports/reopened"), ("GET", "/reports/corrections"),
        ("GET", "/reports/x-spend"),
        ("GET", "/team"), ("PUT", "/agents/{agent_id}/availability"), ("GET", "/alarms"),
        ("GET", "/unreadable-posts"),
        ("PUT", "/cases/{case_id}/presence"), ("POST", "/cases/{case_id}/replies/preview"),
        ("GET", "/agents"),
    }  # fmt: skip
    unreadable = document["paths"]["/unreadable-posts"]["get"]["responses"]["200"]["content"]
    assert unreadable["application/json"]["schema"]["$ref"].endswith("/UnreadablePostsOut")
    sla = document["paths"]["/reports/sla"]["get"]
    assert {p["name"] for p in sla["parameters"]} == {"from", "to", "queue", "brand", "format"}
    assert set(sla["responses"]["200"]["content"]) == {"application/json", "text/csv"}
    assert document["components"]["securitySchemes"]["cognito"]["name"] == "Authorization"
    replies = document["paths"]["/cases/{case_id}/replies"]["post"]
    assert replies["security"] == [{"cognito": []}]
    assert "health" not in str(document["paths"]["/health"]["get"].get("security"))
    header = next(p for p in replies["parameters"] if p["in"] == "header")
    assert header["name"].lower() == "idempotency-key"
    body = document["components"]["schemas"]["ReplyBody"]
    assert body["additionalProperties"] is False


def test_me_names_the_agent_their_role_and_queues(api: Api) -> None:
    assert api.get("/me", agent="ben").body == {
        "agent_id": "ben", "brand_id": "1000", "name": "Ben", "role": "agent",
        "queues": ["billing", "bookings"],
    }  # fmt: skip
    supervisor = api.get("/me", agent="sue").body
    assert supervisor["role"] == "supervisor" and "technical" in supervisor["queues"]
    assert api.get("/me", agent="tri").body["queues"] == ["triage"]  # a queue named among the skills


def test_a_token_for_an_agent_without_a_record_is_403(api: Api) -> None:
    answer = api.get("/cases", agent="mallory")
    assert answer.status == 403 and answer.body["error"]["code"] == "unknown_agent"
    assert api.get("/cases", agent=None).status == 403  # no claims at all (the authorizer was bypassed)
    assert api.get("/cases", brand="999").status == 403  # ana is not an agent of brand 999


def test_an_access_token_names_no_agent_and_is_403(api: Api) -> None:
    """The HTTP API's JWT authorizer passes the app client's access tokens too (audience by client_id)."""
    access = {
        "username": "ana",
        "client_id": "client-1",
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
    }
    answer = api.get("/cases", claims=access)
    assert answer.status == 403 and "send the ID token" in answer.body["error"]["message"]


def test_a_trailing_slash_reaches_the_same_route(api: Api) -> None:
    """API Gateway routes /v1/cases/ as /cases; the resolver matches it too, as the REST resolver did."""
    assert api.get("/cases/").status == 200 and api.get("/cases/").body == api.get("/cases").body


def test_queues_count_open_waiting_at_risk_and_late(api: Api, world: CaseWorld) -> None:
    world.open_case(due_in=timedelta(hours=3))
    world.clock.advance(60)
    world.open_case(due_in=timedelta(minutes=10))  # at risk (within 30 minutes)
    late = world.open_case(due_in=timedelta(minutes=-5))  # already late
    world.open_case(assignee="ben", first_response_at=world.clock.now(), status=CaseStatus.PENDING_CUSTOMER)
    world.open_case(queue="technical", skill="technical")  # not ana's queue
    world.clock.advance(120)
    (billing,) = api.get("/queues").body["queues"]
    assert billing["queue"] == "billing"
    assert billing["open"] == 4 and billing["unassigned"] == 3
    assert billing["awaiting_first_response"] == 3
    assert billing["at_risk"] == 2 and billing["breached"] == 1
    assert billing["oldest_waiting_seconds"] == 180
    assert late.first_response_due is not None
    assert {q["queue"] for q in api.get("/queues", agent="sue").body["queues"]} >= {"billing", "technical"}


def test_cases_come_soonest_due_first_and_filter_by_queue_status_and_assignee(
    api: Api, world: CaseWorld
) -> None:
    later = world.open_case(due_in=timedelta(hours=4))
    sooner = world.open_case(due_in=timedelta(minutes=20))
    held = world.open_case(due_in=timedelta(hours=1), assignee="ana")
    world.open_case(queue="technical", skill="technical")
    ids = [c["id"] for c in api.get("/cases").body["cases"]]
    assert ids == [sooner.id, held.id, later.id]
    assert [c["id"] for c in api.get("/cases", query={"assignee": "me"}).body["cases"]] == [held.id]
    assert [c["id"] for c in api.get("/cases", query={"status": "assigned"}).body["cases"]] == [held.id]
    assert [c["id"] for c in api.get("/cases", query={"queue": "billing", "limit": "1"}).body["cases"]] == [
        sooner.id
    ]
    assert len(api.get("/cases", agent="sue").body["cases"]) == 4
    other = api.get("/cases", query={"queue": "technical"})
    assert other.status == 403 and "technical" in other.body["error"]["message"]
    assert api.get("/cases", query={"queue": "nosuchqueue"}).status == 404
    assert api.get("/cases", query={"status": "sleeping"}).status == 422


def test_one_case_shows_thread_customer_reasons_and_a_running_clock(api: Api, world: CaseWorld) -> None:
    case = world.open_case(due_in=timedelta(minutes=45))
    world.clock.advance(300)
    body = api.get(f"/cases/{case.id}").body
    assert body["customer"]["username"] == "alice" and body["customer"]["followers"] == 340
    assert body["classification"]["reasons"] == ["keyword refund"]
    assert [m["direction"] for m in body["thread"]] == ["in"]
    assert body["sla"]["state"] == "running" and body["sla"]["seconds_left"] == 40 * 60
    assert body["version"] == 1


def test_a_case_of_another_queue_is_403_and_of_another_brand_or_nowhere_404(
    api: Api, world: CaseWorld
) -> None:
    technical = world.open_case(queue="technical", skill="technical")
    forbidden = api.get(f"/cases/{technical.id}")
    assert forbidden.status == 403 and forbidden.body["error"]["code"] == "forbidden"
    assert api.get(f"/cases/{technical.id}", agent="chen").status == 200
    assert api.get(f"/cases/{technical.id}", agent="sue").status == 200
    missing = api.get("/cases/1000-t42")
    assert missing.status == 404 and missing.body["error"]["message"] == "there is no case 1000-t42"
    foreign = world.open_case().model_copy(update={"id": "2000-t1", "brand_id": "2000"})
    world.cases.cases[foreign.id] = foreign
    assert api.get("/cases/2000-t1").status == 404


def test_the_second_claimer_gets_409_naming_the_holder(api: Api, world: CaseWorld) -> None:
    case = world.open_case()
    first = api.post(f"/cases/{case.id}/claim")
    assert first.status == 200
    assert first.body["assignee"] == "ana" and first.body["status"] == "assigned"
    second = api.post(f"/cases/{case.id}/claim", agent="ben")
    assert second.status == 409
    assert second.body["error"]["code"] == "claimed_by_other" and second.body["error"]["holder"] == "ana"
    assert "ana" in second.body["error"]["message"]
    assert api.post(f"/cases/{case.id}/claim").status == 200  # claiming your own case again is fine
    assert world.roster.by_id["ana"].open_cases == 1
    assert world.roster.by_id["ben"].open_cases == 0


def test_a_case_triage_assigned_is_held_by_that_agent(api: Api, world: CaseWorld) -> None:
    case = world.open_case(assignee="ben")
    answer = api.post(f"/cases/{case.id}/claim")
    assert answer.status == 409 and answer.body["error"]["holder"] == "ben"


def test_unclaim_gives_the_case_back_and_only_the_holder_or_a_supervisor_may(
    api: Api, world: CaseWorld
) -> None:
    case = world.open_case(assignee="ana")
    refused = api.post(f"/cases/{case.id}/unclaim", agent="ben")
    assert refused.status == 409 and refused.body["error"]["holder"] == "ana"
    back = api.post(f"/cases/{case.id}/unclaim")
    assert back.status == 200 and back.body["status"] == "queued" and back.body["assignee"] is None
    assert world.roster.holder(case.id) is None and world.roster.by_id["ana"].open_cases == 0
    again = api.post(f"/cases/{case.id}/unclaim")
    assert again.status == 409 and again.body["error"]["code"] == "invalid_transition"
    api.post(f"/cases/{case.id}/claim", agent="ben")
    assert api.post(f"/cases/{case.id}/unclaim", agent="sue").body["assignee"] is None
    reasons = [r["reason"] for r in api.get(f"/cases/{case.id}").body["reasons"]]
    assert "unclaimed from ben by a supervisor" in reasons


def test_a_refused_claim_names_the_holder_by_name(api: Api, world: CaseWorld) -> None:
    case = world.open_case()
    assert api.post(f"/cases/{case.id}/claim", agent="ben").status == 200
    refused = api.post(f"/cases/{case.id}/claim")
    assert refused.status == 409
    error = refused.body["error"]
    assert error["holder"] == "ben" and error["holder_name"] == "Ben" and "Ben" in error["message"]


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
