"""The reports as the API returns them. Each report flattens to CSV rows (`csv_rows`) for the export."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field


class Cost(BaseModel):
    model_config = ConfigDict(frozen=True)

    queries: int = Field(description="DynamoDB queries made (one per metric)")
    items: int = Field(description="counter items read")
    bytes: int = Field(description="their size by DynamoDB's rule")
    read_units: float = Field(
        description="read units by DynamoDB's rule for an eventually consistent Query (4 KB, half a unit)"
    )
    consumed_units: float | None = Field(description="what the engine said it consumed, if it said")


class ReportBase(BaseModel):
    model_config = ConfigDict(frozen=True)

    brand_id: str
    start: date = Field(description="first day covered (UTC)")
    end: date = Field(description="last day covered (UTC), inclusive")
    queue: str | None = Field(description="the queue filter, or null for every queue")
    empty: bool = Field(description="true when nothing was counted in the range")
    cost: Cost

    CSV_COLUMNS: ClassVar[tuple[str, ...]] = ()  # the CSV's header, also when there are no rows

    def csv_rows(self) -> list[dict[str, Any]]:
        raise NotImplementedError


class Bucket(BaseModel):
    le_seconds: int | None = Field(description="upper bound of the bucket; null: longer than every bound")
    count: int


class PriorityResponses(BaseModel):
    priority: str
    target_seconds: float | None = Field(
        description="the brand's first-response target for the priority (business time, as the clock runs)"
    )
    responses: int
    met: int
    missed: int
    met_pct: float | None
    average_seconds: float | None
    p50_le_seconds: int | None = Field(description="the median wait is at most this (histogram bound)")
    p90_le_seconds: int | None
    buckets: list[Bucket]


class FirstResponseReport(ReportBase):
    CSV_COLUMNS = ("priority", "le_seconds", "responses", "target_seconds")
    responses: int
    priorities: list[PriorityResponses]

    def csv_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "priority": p.priority,
                "le_seconds": b.le_seconds if b.le_seconds is not None else "more",
                "responses": b.count,
                "target_seconds": p.target_seconds,
            }
            for p in self.priorities
            for b in p.buckets
        ]


class ClockFigures(BaseModel):
    met: int
    missed: int
    met_pct: float | None


class SlaDay(BaseModel):
    day: date
    first_response: ClockFigures
    next_response: ClockFigures
    resolution: ClockFigures


class SlaReport(ReportBase):
    CSV_COLUMNS = ("day", "clock", "met", "missed", "met_pct")
    days: list[SlaDay]
    first_response: ClockFigures
    next_response: ClockFigures
    resolution: ClockFigures
    all_clocks: ClockFigures

    def csv_rows(self) -> list[dict[str, Any]]:
        return [
            {"day": d.day.isoformat(), "clock": clock, **getattr(d, clock).model_dump()}
            for d in self.days
            for clock in ("first_response", "next_response", "resolution")
        ]


class CsatDay(BaseModel):
    day: date
    answers: int
    average: float | None


class CsatReport(ReportBase):
    CSV_COLUMNS = ("day", "answers", "average")
    answers: int
    average: float | None
    distribution: dict[str, int] = Field(description="answers per score, '1'..'5'")
    days: list[CsatDay]

    def csv_rows(self) -> list[dict[str, Any]]:
        return [{"day": d.day.isoformat(), "answers": d.answers, "average": d.average} for d in self.days]


class VolumeHour(BaseModel):
    hour: datetime
    queue: str
    cases: int


class VolumeReport(ReportBase):
    CSV_COLUMNS = ("hour", "queue", "cases")
    cases: int
    by_queue: dict[str, int]
    hours: list[VolumeHour]

    def csv_rows(self) -> list[dict[str, Any]]:
        return [{"hour": h.hour.isoformat(), "queue": h.queue, "cases": h.cases} for h in self.hours]


class ReopenDay(BaseModel):
    day: date
    resolved: int
    reopened_after_low_score: int


class ReopenedReport(ReportBase):
    CSV_COLUMNS = ("day", "resolved", "reopened_after_low_score")
    resolved: int
    reopened_after_low_score: int
    share_pct: float | None = Field(description="reopened after a low score, per 100 resolutions")
    days: list[ReopenDay]

    def csv_rows(self) -> list[dict[str, Any]]:
        return [d.model_dump(mode="json") for d in self.days]


class CorrectionWeek(BaseModel):
    week: date = Field(description="the week's Monday")
    queue_moves: int
    agent_moves: int
    total: int


class CorrectionsReport(ReportBase):
    CSV_COLUMNS = ("week", "queue_moves", "agent_moves", "total")
    corrections: int
    weeks: list[CorrectionWeek]

    def csv_rows(self) -> list[dict[str, Any]]:
        return [w.model_dump(mode="json") for w in self.weeks]


class XSpendKind(BaseModel):
    kind: str = Field(description="post_read, owned_read, user_read, dm_event_read, post, post_with_url, ...")
    units: int = Field(description="posts, DM events or users read; posts, DMs, likes or follows written")
    usd: float = Field(description="what X bills for them (each resource read once per UTC day)")
    price_usd: float = Field(description="X's price for one")


class XSpendDay(BaseModel):
    day: date
    usd: float
    kinds: list[XSpendKind]


class XSpendReport(ReportBase):
    CSV_COLUMNS = ("day", "kind", "units", "usd")
    total_usd: float
    kinds: list[XSpendKind] = Field(description="the range's spend by kind, most expensive first")
    days: list[XSpendDay]
    daily_budget_usd: float | None = Field(description="the brand's x_daily_budget_usd (null: no limit)")
    today_used_pct: float | None = Field(description="today's spend as a share of the budget, in percent")
    prices_read_on: str = Field(description="when X's prices were last read from its pricing page")

    def csv_rows(self) -> list[dict[str, Any]]:
        return [
            {"day": d.day.isoformat(), "kind": k.kind, "units": k.units, "usd": k.usd}
            for d in self.days
            for k in d.kinds
        ]
