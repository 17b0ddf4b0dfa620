"""The report and team routes in-process: supervisors only, brand isolation, ranges, CSV, empty brands,
and the posts X sent that ingestion could not read."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from carebird.agent_api import build_api
from carebird.agent_api.idempotency import PowertoolsOnce
from carebird.ingest.model import Author, IngestedMention, Mention, MentionStatus
from carebird.reports.service import ReportService
from carebird.reports.tallies import Tally
from carebird.team.model import AlarmState
from carebird.team.service import TeamService
from tests.support.casework_fakes import BRAND_ID, NOW, CaseWorld
from tests.support.ingest_fakes import FakeClock, FakeStore
from tests.support.report_fakes import FakeAlarms, FakeCounters
from tests.unit.agent_api.conftest import Api

TODAY = NOW.date()
DAY = TODAY - timedelta(days=1)


class ReportsApi(Api):
    def __init__(self, world: CaseWorld, once: PowertoolsOnce) -> None:
        super().__init__(world, once)
        self.counters = FakeCounters()
        self.alarms = FakeAlarms(
            AlarmState(name="carebird-SlaBreachAlarm", state="ALARM", metric="SlaBreaches"),
            AlarmState(name="carebird-DeadLetterAlarm", state="OK", metric="DeadLetters"),
        )
        reports = ReportService(self.counters, world.brands, today=lambda: TODAY)
        self.ingested = FakeStore(FakeClock(NOW))
        team = TeamService(world.service, world.cases, world.roster, self.alarms, self.ingested)
        self.resolver = build_api(
            service=lambda: world.service, once=lambda: once, reports=lambda: reports, team=lambda: team
        )


@pytest.fixture
def rapi(world: CaseWorld, once: PowertoolsOnce) -> ReportsApi:
    return ReportsApi(world, once)


def seed(rapi: ReportsApi) -> None:
    rapi.counters.add(
        BRAND_ID,
        [
            Tally("sla", DAY, "billing", "first_response#met", 3),
            Tally("sla", DAY, "escalations", "first_response#missed", 1),
            Tally("sla", DAY, "billing", "resolution#met", 2),
            Tally("first_response", DAY, "billing", "P2#300#met", 3, total=600.0),
            Tally("first_response", DAY, "escalations", "P1#7200#missed", 1, total=4000.0),
            Tally("csat", DAY, "billing", "5", 2),
            Tally("csat", DAY, "escalations", "1", 1),
            Tally("volume", DAY, "billing", "09", 4),
            Tally("volume", DAY, "bookings", "10", 1),
            Tally("resolved", DAY, "billing", "-", 4),
            Tally("reopened_low", DAY, "escalations", "-", 1),
            Tally("correction", DAY, "triage", "queue", 2),
        ],
    )


REPORTS = ["first-response", "sla", "csat", "volume", "reopened", "corrections"]


@pytest.mark.parametrize("name", REPORTS)
def test_an_agent_gets_403_and_another_brands_supervisor_404(rapi: ReportsApi, name: str) -> None:
    assert rapi.get(f"/reports/{name}", agent="ana").status == 403
    other = rapi.get(f"/reports/{name}", agent="sue", query={"brand": "999"})
    assert other.status == 404 and other.body["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("start", "end", "why"),
    [
        (TODAY.isoformat(), DAY.isoformat(), "inverted"),
        ((TODAY - timedelta(days=400)).isoformat(), TODAY.isoformat(), "at most 366"),
        (TODAY.isoformat(), (TODAY + timedelta(days=1)).isoformat(), "future"),
    ],
)
def test_a_range_that_cannot_be_reported_is_a_clear_422(
    rapi: ReportsApi, start: str, end: str, why: str
) -> None:
    got = rapi.get("/reports/sla", agent="sue", query={"from": start, "to": end})
    assert got.status == 422 and why in got.body["error"]["message"]


def test_a_malformed_date_or_unknown_queue_is_refused(rapi: ReportsApi) -> None:
    assert rapi.get("/reports/sla", agent="sue", query={"from": "2026-13-01"}).status == 422
    assert rapi.get("/reports/sla", agent="sue", query={"queue": "nope"}).status == 404


@pytest.mark.parametrize("name", REPORTS)
def test_a_brand_with_no_data_gets_empty_reports(rapi: ReportsApi, name: str) -> None:
    got = rapi.get(f"/reports/{name}", agent="sue")
    assert got.status == 200 and got.body["empty"] is True
    assert (
        got.body["start"] == (TODAY - timedelta(days=29)).isoformat() and got.body["end"] == TODAY.isoformat()
    )


def test_sla_met_counts_every_clock_that_ended_misses_included(rapi: ReportsApi) -> None:
    seed(rapi)
    got = rapi.get("/reports/sla", agent="sue", query={"from": DAY.isoformat(), "to": TODAY.isoformat()}).body
    assert got["first_response"] == {"met": 3, "missed": 1, "met_pct": 75.0}
    assert got["all_clocks"] == {"met": 5, "missed": 1, "met_pct": 83.3}
    assert [d["first_response"]["met"] for d in got["days"]] == [3, 0]
    assert got["days"][1]["first_response"]["met_pct"] is None  # no verdict that day: no figure, not 100
    billing = rapi.get("/reports/sla", agent="sue", query={"queue": "billing"}).body
    assert billing["first_response"] == {"met": 3, "missed": 0, "met_pct": 100.0}


def test_first_response_per_priority_against_target(rapi: ReportsApi) -> None:
    seed(rapi)
    got = rapi.get("/reports/first-response", agent="sue").body
    by = {p["priority"]: p for p in got["priorities"]}
    assert by["P2"]["responses"] == 3 and by["P2"]["met_pct"] == 100.0
    assert by["P2"]["average_seconds"] == 200.0 and by["P2"]["p90_le_seconds"] == 300
    assert by["P2"]["target_seconds"] == 3600.0  # the default P2 target, 60 minutes
    assert by["P1"]["missed"] == 1 and by["P4"]["responses"] == 0


def test_csat_over_time_and_distribution(rapi: ReportsApi) -> None:
    seed(rapi)
    got = rapi.get("/reports/csat", agent="sue").body
    assert got["answers"] == 3 and got["average"] == 3.67
    assert got["distribution"] == {"1": 1, "2": 0, "3": 0, "4": 0, "5": 2}
    assert [d["answers"] for d in got["days"] if d["answers"]] == [3]


def test_volume_reopened_and_corrections(rapi: ReportsApi) -> None:
    seed(rapi)
    volume = rapi.get("/reports/volume", agent="sue").body
    assert volume["by_queue"] == {"billing": 4, "bookings": 1}
    assert volume["hours"][0]["hour"].startswith(f"{DAY.isoformat()}T09:00")
    reopened = rapi.get("/reports/reopened", agent="sue").body
    assert (reopened["resolved"], reopened["reopened_after_low_score"], reopened["share_pct"]) == (4, 1, 25.0)
    corrections = rapi.get("/reports/corrections", agent="sue").body
    assert corrections["corrections"] == 2 and sum(w["queue_moves"] for w in corrections["weeks"]) == 2


@pytest.mark.parametrize("how", ["format", "accept"])
def test_each_report_exports_csv(rapi: ReportsApi, how: str) -> None:
    seed(rapi)
    kw: dict[str, object] = (
        {"query": {"format": "csv"}} if how == "format" else {"headers": {"Accept": "text/csv"}}
    )
    bodies: dict[str, str] = {}
    for name in REPORTS:
        got = rapi.get(f"/reports/{name}", agent="sue", **kw)  # type: ignore[arg-type]
        assert got.status == 200 and got.headers["Content-Type"].startswith("text/csv")
        assert f'filename="{name}-' in got.headers["Content-Disposition"]
        bodies[name] = got.body
    rows = list(csv.DictReader(io.StringIO(bodies["sla"])))
    assert {
        "day": DAY.isoformat(),
        "clock": "first_response",
        "met": "3",
        "missed": "1",
        "met_pct": "75.0",
    } in rows
    assert bodies["volume"].splitlines()[0] == "hour,queue,cases"
    empty = rapi.get("/reports/volume", agent="sue", query={"format": "csv", "queue": "technical"})
    assert empty.body == "hour,queue,cases\n"  # no rows: the header still says what the columns are


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
