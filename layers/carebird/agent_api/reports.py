"""The report routes (/reports/...): supervisors' figures over a range of days, as JSON or CSV.

Each takes `from` and `to` (UTC dates, inclusive; default the last 30 days), `queue` and `brand` (another
brand's figures do not exist for you: 404). `format=csv` or `Accept: text/csv` answers with the report's
rows as CSV. The figures and how each is counted: carebird.reports.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Query

from carebird.agent_api.routing import SECURED, AgentRouter, Services, error_responses
from carebird.agent_api.schemas import QUEUE
from carebird.reports.model import (
    CorrectionsReport,
    CsatReport,
    FirstResponseReport,
    ReopenedReport,
    ReportBase,
    SlaReport,
    VolumeReport,
    XSpendReport,
)
from carebird.reports.service import to_csv

BRAND = r"^[0-9]{1,20}$"

From = Annotated[
    date | None, Query(alias="from", description="first day (UTC, YYYY-MM-DD); default 29 days before `to`")
]
To = Annotated[date | None, Query(alias="to", description="last day, inclusive (UTC); default today")]
QueueFilter = Annotated[str | None, Query(pattern=QUEUE, description="one queue (default: every queue)")]
BrandFilter = Annotated[str | None, Query(pattern=BRAND, description="your brand's id (default: yours)")]
Format = Annotated[Literal["json", "csv"] | None, Query(description="csv: the report's rows as CSV")]

_ERRORS = {
    403: "you are not a supervisor",
    404: "no such brand (another brand's) or queue",
    422: "the range is inverted, longer than a year, or in the future; or a parameter is malformed",
}


def _responses(model: type[ReportBase]) -> dict[int, Any]:
    return {
        200: {
            "description": "the report (JSON), or its rows as CSV",
            "content": {
                "application/json": {"model": model},
                "text/csv": {"schema": {"type": "string"}},
            },
        },
        **error_responses(_ERRORS),
    }


def reports_router(services: Services) -> AgentRouter:
    router = AgentRouter(services)

    def answer(name: str, report: ReportBase, fmt: str | None) -> Response[Any]:
        accept = (router.current_event.headers or {}).get("Accept") or (
            router.current_event.headers or {}
        ).get("accept", "")
        if fmt == "csv" or (fmt is None and "text/csv" in accept):
            filename = f"{name}-{report.start.isoformat()}-{report.end.isoformat()}.csv"
            return Response(
                200,
                "text/csv; charset=utf-8",
                to_csv(report),
                headers={"Content-Disposition": f'attachment; filename="{filename}"'},
            )
        return Response(200, content_types.APPLICATION_JSON, report.model_dump(mode="json"))

    def route(path: str, summary: str, model: type[ReportBase]) -> Any:
        return router.get(
            path, summary=summary, tags=["reports"], security=SECURED, responses=_responses(model)
        )

    @route(
        "/reports/first-response", "First-response times per priority against its target", FirstResponseReport
    )
    def first_response(
        start: From = None, end: To = None, queue: QueueFilter = None, brand: BrandFilter = None,
        format: Format = None,
    ) -> Response[Any]:  # fmt: skip
        r = services.reports().first_response(
            router.principal(), brand_id=brand, start=start, end=end, queue=queue
        )
        return answer("first-response", r, format)

    @route(
        "/reports/sla",
        "SLA met per day for each clock (first response, next response, resolution)",
        SlaReport,
    )
    def sla(
        start: From = None, end: To = None, queue: QueueFilter = None, brand: BrandFilter = None,
        format: Format = None,
    ) -> Response[Any]:  # fmt: skip
        r = services.reports().sla(router.principal(), brand_id=brand, start=start, end=end, queue=queue)
        return answer("sla", r, format)

    @route("/reports/csat", "Customer satisfaction over time and its distribution", CsatReport)
    def csat(
        start: From = None, end: To = None, queue: QueueFilter = None, brand: BrandFilter = None,
        format: Format = None,
    ) -> Response[Any]:  # fmt: skip
        r = services.reports().csat(router.principal(), brand_id=brand, start=start, end=end, queue=queue)
        return answer("csat", r, format)

    @route("/reports/volume", "Cases opened per hour, by queue", VolumeReport)
    def volume(
        start: From = None, end: To = None, queue: QueueFilter = None, brand: BrandFilter = None,
        format: Format = None,
    ) -> Response[Any]:  # fmt: skip
        r = services.reports().volume(router.principal(), brand_id=brand, start=start, end=end, queue=queue)
        return answer("volume", r, format)

    @route(
        "/reports/reopened", "Share of resolved cases reopened after a low satisfaction score", ReopenedReport
    )
    def reopened(
        start: From = None, end: To = None, queue: QueueFilter = None, brand: BrandFilter = None,
        format: Format = None,
    ) -> Response[Any]:  # fmt: skip
        r = services.reports().reopened(router.principal(), brand_id=brand, start=start, end=end, queue=queue)
        return answer("reopened", r, format)

    @route(
        "/reports/corrections", "Routing corrections per week (the triage quality signal)", CorrectionsReport
    )
    def corrections(
        start: From = None, end: To = None, queue: QueueFilter = None, brand: BrandFilter = None,
        format: Format = None,
    ) -> Response[Any]:  # fmt: skip
        r = services.reports().corrections(
            router.principal(), brand_id=brand, start=start, end=end, queue=queue
        )
        return answer("corrections", r, format)

    @route(
        "/reports/x-spend", "What X billed the brand per day and kind, against its daily budget", XSpendReport
    )
    def x_spend(
        start: From = None, end: To = None, brand: BrandFilter = None, format: Format = None
    ) -> Response[Any]:
        r = services.reports().x_spend(router.principal(), brand_id=brand, start=start, end=end)
        return answer("x-spend", r, format)

    return router
