"""The report routes in-process (carebird.agent_api.reports): supervisors only, brand isolation, ranges,
CSV, empty brands."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from carebird.reports.tallies import Tally
from carebird.spend.book import SPEND_COUNTER, SpendBook, SpendCount
from carebird.spend.prices import XUse
from tests.support.casework_fakes import BRAND_ID, CaseWorld
from tests.support.report_fakes import FakeCounters
from tests.unit.agent_api.conftest import TODAY, ReportsApi

DAY = TODAY - timedelta(days=1)


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
            # X spend as carebird.storage.counters.DynamoSpendCounters keeps it: units and micro-dollars.
            Tally("x_spend", DAY, "-", "post_read", 40, total=200_000),
            Tally("x_spend", DAY, "-", "post_with_url", 1, total=200_000),
            Tally("x_spend", TODAY, "-", "post", 10, total=150_000),
            Tally("x_spend", TODAY, "-", "dm_event_read", 5, total=50_000),
        ],
    )


REPORTS = ["first-response", "sla", "csat", "volume", "reopened", "corrections", "x-spend"]


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


def test_x_spend_per_day_and_kind_against_the_daily_budget(rapi: ReportsApi, world: CaseWorld) -> None:
    seed(rapi)
    brand = world.brands.brands[BRAND_ID]
    world.brands.brands[BRAND_ID] = brand.model_copy(update={"settings": {"x_daily_budget_usd": 0.5}})
    got = rapi.get("/reports/x-spend", agent="sue", query={"from": DAY.isoformat(), "to": TODAY.isoformat()})
    body = got.body
    assert got.status == 200 and body["empty"] is False
    assert body["total_usd"] == pytest.approx(0.6)
    assert [(k["kind"], k["units"], k["usd"]) for k in body["kinds"]] == [
        ("post_read", 40, 0.2),
        ("post_with_url", 1, 0.2),
        ("post", 10, 0.15),
        ("dm_event_read", 5, 0.05),
    ]
    assert {k["kind"]: k["price_usd"] for k in body["kinds"]}["post_with_url"] == 0.2
    assert [d["usd"] for d in body["days"]] == [pytest.approx(0.4), pytest.approx(0.2)]
    assert body["daily_budget_usd"] == 0.5 and body["today_used_pct"] == 40.0
    csv_body = rapi.get("/reports/x-spend", agent="sue", query={"format": "csv"}).body
    assert csv_body.splitlines()[0] == "day,kind,units,usd"
    assert f"{TODAY.isoformat()},post,10,0.15" in csv_body.splitlines()


def test_x_spend_without_a_budget_is_still_counted(rapi: ReportsApi) -> None:
    seed(rapi)
    body = rapi.get("/reports/x-spend", agent="sue").body
    assert body["daily_budget_usd"] is None and body["today_used_pct"] is None
    assert body["total_usd"] == pytest.approx(0.6)


class SpendAsReportCounters:
    """SpendBook's counters kept as carebird.storage.counters.DynamoSpendCounters keeps them: report counters
    x_spend#<day>#-#<kind>, n the units and total the micro-dollars."""

    def __init__(self, counters: FakeCounters) -> None:
        self.counters = counters

    def add(self, brand_id: str, counts: list[SpendCount]) -> None:
        self.counters.add(
            brand_id, [Tally(SPEND_COUNTER, c.day, "-", c.kind, c.units, total=c.micro_usd) for c in counts]
        )

    def read(self, brand_id: str, start: date, end: date) -> list[SpendCount]:
        raise AssertionError("the report reads the counters through its own port")


def test_x_spend_reports_the_dollars_the_spend_book_counts(rapi: ReportsApi, world: CaseWorld) -> None:
    book = SpendBook(SpendAsReportCounters(rapi.counters))
    book.record(BRAND_ID, DAY, {XUse.DM_SENT: 2, XUse.POST_READ: 14})  # $0.03 + $0.07
    book.record(BRAND_ID, TODAY, {XUse.POST_READ: 30})  # $0.15
    book.record(BRAND_ID, TODAY, {XUse.POST_READ: 8, XUse.USER_READ: 1})  # $0.04 + $0.01
    brand = world.brands.brands[BRAND_ID]
    world.brands.brands[BRAND_ID] = brand.model_copy(update={"settings": {"x_daily_budget_usd": 0.4}})
    body = rapi.get("/reports/x-spend", agent="sue", query={"from": DAY.isoformat(), "to": TODAY.isoformat()})
    body = body.body
    # Dollars added as SpendBook adds them, in decimals: as floats, 0.1 + 0.2 would be 0.30000000000000004.
    assert [d["usd"] for d in body["days"]] == [0.1, 0.2]
    assert body["total_usd"] == 0.3
    assert body["today_used_pct"] == 50.0
    assert [(k["kind"], k["units"], k["usd"]) for k in body["kinds"]] == [
        ("post_read", 52, 0.26),
        ("dm_sent", 2, 0.03),
        ("user_read", 1, 0.01),
    ]
    assert [(k["kind"], k["units"]) for k in body["days"][0]["kinds"]] == [("post_read", 14), ("dm_sent", 2)]


@pytest.mark.parametrize("name", REPORTS)
def test_a_range_at_the_calendars_first_days_is_an_empty_report_not_an_error(
    rapi: ReportsApi, name: str
) -> None:
    got = rapi.get(f"/reports/{name}", agent="sue", query={"to": "0001-01-05"})
    assert got.status == 200 and got.body["empty"] is True
    assert (got.body["start"], got.body["end"]) == ("0001-01-01", "0001-01-05")
