"""Reading queues and cases, who sees what, and claims that survive two agents reaching for one case."""

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
