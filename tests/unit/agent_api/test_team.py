"""The team routes in-process (carebird.agent_api.team): the team view, availability, alarms, and the
posts X sent that ingestion could not read."""

from __future__ import annotations

from datetime import timedelta

from carebird.ingest.model import Author, IngestedMention, Mention, MentionStatus
from tests.support.casework_fakes import BRAND_ID, NOW, CaseWorld
from tests.unit.agent_api.conftest import ReportsApi


def test_the_team_view_is_for_supervisors(rapi: ReportsApi, world: CaseWorld) -> None:
    world.open_case(assignee="ana")
    world.open_case()
    assert rapi.get("/team", agent="ana").status == 403
    team = rapi.get("/team", agent="sue").body
    billing = next(q for q in team["queues"] if q["queue"] == "billing")
    assert billing["open"] == 2 and billing["unassigned"] == 1
    ana = next(a for a in team["agents"] if a["agent_id"] == "ana")
    assert ana["open_cases"] == 1 and ana["capacity"] == 5 and ana["current_case"] == ana["case_ids"][0]


def test_a_supervisor_sets_an_agent_unavailable(rapi: ReportsApi, world: CaseWorld) -> None:
    got = rapi.call("PUT", "/agents/ben/availability", {"available": False}, agent="sue")
    assert got.status == 200 and got.body["available"] is False
    assert world.roster.agent(BRAND_ID, "ben").available is False  # type: ignore[union-attr]
    assert rapi.call("PUT", "/agents/ben/availability", {"available": True}, agent="ana").status == 403
    assert rapi.call("PUT", "/agents/nobody/availability", {"available": True}, agent="sue").status == 404
    assert rapi.call("PUT", "/agents/ben/availability", {"available": "maybe"}, agent="sue").status == 422


def test_alarms_firing_first(rapi: ReportsApi) -> None:
    assert rapi.get("/alarms", agent="ana").status == 403
    got = rapi.get("/alarms", agent="sue").body["alarms"]
    assert [(a["name"], a["state"]) for a in got] == [
        ("carebird-SlaBreachAlarm", "ALARM"),
        ("carebird-DeadLetterAlarm", "OK"),
    ]


def stored(
    brand_id: str, tweet_id: str, *, reason: str | None = None, author: str = "0", minutes: int = 0
) -> IngestedMention:
    return IngestedMention(
        brand_id=brand_id,
        mention=Mention(
            id=tweet_id,
            author=Author(id=author),
            text=f'{{"id": "{tweet_id}", "text": "<b>help</b>"}}' if reason else "a readable post",
            created_at=NOW,
            unreadable=reason,
        ),
        status=MentionStatus.UNREADABLE if reason else MentionStatus.PENDING,
        ingested_at=NOW + timedelta(minutes=minutes),
    )


def test_supervisors_see_their_brands_unreadable_posts_newest_first(rapi: ReportsApi) -> None:
    for mention in [
        stored(BRAND_ID, "101", reason="KeyError: 'created_at'", author="2244994945"),
        stored(BRAND_ID, "102"),  # readable: never listed
        stored(BRAND_ID, "103", reason="ValueError: bad created_at", minutes=5),
        stored("999", "104", reason="KeyError: 'text'"),  # another brand's
    ]:
        rapi.ingested.put_message(mention)
    got = rapi.get("/unreadable-posts", agent="sue")
    assert got.status == 200
    assert [(p["id"], p["author_id"], p["reason"]) for p in got.body["posts"]] == [
        ("103", None, "ValueError: bad created_at"),
        ("101", "2244994945", "KeyError: 'created_at'"),
    ]
    newest = got.body["posts"][0]
    assert newest["raw"] == '{"id": "103", "text": "<b>help</b>"}'
    assert newest["received_at"].startswith((NOW + timedelta(minutes=5)).isoformat()[:16])
    first = rapi.get("/unreadable-posts", agent="sue", query={"limit": "1"}).body["posts"]
    assert [p["id"] for p in first] == ["103"]


def test_unreadable_posts_are_for_supervisors_and_empty_when_there_are_none(rapi: ReportsApi) -> None:
    rapi.ingested.put_message(stored(BRAND_ID, "101", reason="KeyError: 'text'"))
    refused = rapi.get("/unreadable-posts", agent="ana")
    assert refused.status == 403 and refused.body["error"]["code"] == "forbidden"
    assert rapi.get("/unreadable-posts", agent="sue", query={"limit": "0"}).status == 422
    rapi.ingested.mentions.clear()
    assert rapi.get("/unreadable-posts", agent="sue").body == {"posts": []}
