"""The supervisors' reports: checks who asks and for what range, reads the counters, computes the figures.

A range is whole UTC days, `start`..`end` inclusive: at most a year, not inverted, not past today. A
brand with no counters in range gets its reports with empty series (`empty: true`), never an error.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from carebird.brands.desk import TriageConfig, load_triage_config
from carebird.casework.errors import Forbidden, Invalid, NotFound
from carebird.casework.model import Principal
from carebird.casework.ports import BrandLookup
from carebird.reports import figures, tallies
from carebird.reports.model import (
    Bucket,
    ClockFigures,
    CorrectionsReport,
    CorrectionWeek,
    Cost,
    CsatDay,
    CsatReport,
    FirstResponseReport,
    PriorityResponses,
    ReopenDay,
    ReopenedReport,
    ReportBase,
    SlaDay,
    SlaReport,
    VolumeHour,
    VolumeReport,
    XSpendDay,
    XSpendKind,
    XSpendReport,
)
from carebird.reports.ports import CounterReader, ReadCost
from carebird.reports.tallies import Tally
from carebird.spend.book import SPEND_COUNTER, Budget, SpendBook, SpendCount
from carebird.spend.prices import PRICE_USD, PRICES_READ_ON, XUse

MAX_DAYS = 366
DEFAULT_DAYS = 30
PRIORITIES = ("P1", "P2", "P3", "P4")


def _today() -> date:
    return datetime.now(UTC).date()


class InvalidRange(Invalid):
    """The date range cannot be reported on (inverted, over a year, in the future)."""


class ReportService:
    def __init__(
        self,
        counters: CounterReader,
        brands: BrandLookup,
        *,
        today: Callable[[], date] = _today,
        clock_scale: float = 1.0,
    ) -> None:
        self._counters = counters
        self._brands = brands
        self._today = today
        self._scale = clock_scale

    # ------------------------------------------------------------------ who and what
    def _check(
        self, p: Principal, brand_id: str | None, start: date | None, end: date | None, queue: str | None
    ) -> tuple[date, date, TriageConfig]:
        if not p.is_supervisor:
            raise Forbidden("reports are for supervisors")
        if brand_id is not None and brand_id != p.brand_id:
            raise NotFound(f"there is no brand {brand_id}")  # another brand's figures do not exist for you
        today = self._today()
        end = end or today
        # The default range ends at `to`; on the calendar's first days it starts at its first.
        start = start or max(date.min, end - timedelta(days=min(DEFAULT_DAYS - 1, (end - date.min).days)))
        if start > end:
            raise InvalidRange(f"the range is inverted: from {start} is after to {end}")
        if end > today:
            raise InvalidRange(f"the range ends in the future: to {end} is after today ({today}, UTC)")
        if (end - start).days + 1 > MAX_DAYS:
            raise InvalidRange(f"the range covers {(end - start).days + 1} days; at most {MAX_DAYS}")
        brand = self._brands.get_brand(p.brand_id)
        config = brand.config.triage if brand else load_triage_config(None)
        if queue is not None and queue not in config.queues:
            raise NotFound(f"there is no queue {queue}; queues are {', '.join(sorted(config.queues))}")
        return start, end, config

    def _read(
        self, p: Principal, metric: str, start: date, end: date, queue: str | None
    ) -> tuple[list[Tally], ReadCost]:
        found, cost = self._counters.read(p.brand_id, metric, start, end)
        return [t for t in found if queue is None or t.queue == queue], cost

    @staticmethod
    def _base(
        p: Principal, start: date, end: date, queue: str | None, empty: bool, cost: ReadCost
    ) -> dict[str, Any]:
        return {
            "brand_id": p.brand_id,
            "start": start,
            "end": end,
            "queue": queue,
            "empty": empty,
            "cost": Cost(
                queries=cost.queries,
                items=cost.items,
                bytes=cost.bytes,
                read_units=round(cost.read_units, 2),
                consumed_units=None if cost.consumed_units is None else round(cost.consumed_units, 2),
            ),
        }

    # ------------------------------------------------------------------ the reports
    def first_response(
        self, p: Principal, *, brand_id: str | None = None, start: date | None = None,
        end: date | None = None, queue: str | None = None,
    ) -> FirstResponseReport:  # fmt: skip
        start, end, config = self._check(p, brand_id, start, end, queue)
        found, cost = self._read(p, tallies.FIRST_RESPONSE, start, end, queue)
        buckets: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        verdicts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        waited: dict[str, float] = defaultdict(float)
        for t in found:
            priority, bound, verdict = t.key.split("#")
            buckets[priority][int(bound)] += t.count
            verdicts[priority][verdict] += t.count
            waited[priority] += t.total
        rows = []
        for priority in sorted(set(PRIORITIES) | set(buckets)):
            counts = buckets[priority]
            n = sum(counts.values())
            met, missed = verdicts[priority]["met"], verdicts[priority]["missed"]
            target = config.sla[priority].first_response_minutes if priority in config.sla else None
            rows.append(
                PriorityResponses(
                    priority=priority,
                    target_seconds=None if target is None else round(target * 60 / self._scale, 1),
                    responses=n,
                    met=met,
                    missed=missed,
                    met_pct=figures.met_pct(met, missed),
                    average_seconds=figures.average(waited[priority], n),
                    p50_le_seconds=_bound(figures.histogram_quantile(counts, 0.5)),
                    p90_le_seconds=_bound(figures.histogram_quantile(counts, 0.9)),
                    buckets=[
                        Bucket(le_seconds=_bound(b), count=counts.get(b, 0))
                        for b in (*tallies.WAIT_BUCKETS, tallies.OVER)
                    ],
                )
            )
        total = sum(r.responses for r in rows)
        return FirstResponseReport(
            **self._base(p, start, end, queue, total == 0, cost), responses=total, priorities=rows
        )

    def sla(
        self, p: Principal, *, brand_id: str | None = None, start: date | None = None,
        end: date | None = None, queue: str | None = None,
    ) -> SlaReport:  # fmt: skip
        start, end, _ = self._check(p, brand_id, start, end, queue)
        found, cost = self._read(p, tallies.SLA, start, end, queue)
        per_day: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for t in found:
            per_day[t.day][t.key] += t.count

        def clock(counts: dict[str, int], name: str) -> ClockFigures:
            met, missed = counts.get(f"{name}#met", 0), counts.get(f"{name}#missed", 0)
            return ClockFigures(met=met, missed=missed, met_pct=figures.met_pct(met, missed))

        days = [
            SlaDay(
                day=d,
                first_response=clock(per_day[d], "first_response"),
                next_response=clock(per_day[d], "next_response"),
                resolution=clock(per_day[d], "resolution"),
            )
            for d in _days(start, end)
        ]
        totals: dict[str, int] = defaultdict(int)
        for counts in per_day.values():
            for key, n in counts.items():
                totals[key] += n
        met = sum(n for k, n in totals.items() if k.endswith("#met"))
        missed = sum(n for k, n in totals.items() if k.endswith("#missed"))
        return SlaReport(
            **self._base(p, start, end, queue, not found, cost),
            days=days,
            first_response=clock(totals, "first_response"),
            next_response=clock(totals, "next_response"),
            resolution=clock(totals, "resolution"),
            all_clocks=ClockFigures(met=met, missed=missed, met_pct=figures.met_pct(met, missed)),
        )

    def csat(
        self, p: Principal, *, brand_id: str | None = None, start: date | None = None,
        end: date | None = None, queue: str | None = None,
    ) -> CsatReport:  # fmt: skip
        start, end, _ = self._check(p, brand_id, start, end, queue)
        found, cost = self._read(p, tallies.CSAT, start, end, queue)
        distribution = {str(score): 0 for score in range(1, 6)}
        per_day: dict[date, list[int]] = defaultdict(lambda: [0, 0])  # answers, sum of scores
        for t in found:
            distribution[t.key] = distribution.get(t.key, 0) + t.count
            per_day[t.day][0] += t.count
            per_day[t.day][1] += int(t.key) * t.count
        answers = sum(distribution.values())
        points = sum(int(k) * n for k, n in distribution.items())
        return CsatReport(
            **self._base(p, start, end, queue, answers == 0, cost),
            answers=answers,
            average=figures.average(points, answers),
            distribution=distribution,
            days=[
                CsatDay(day=d, answers=per_day[d][0], average=figures.average(per_day[d][1], per_day[d][0]))
                for d in _days(start, end)
            ],
        )

    def volume(
        self, p: Principal, *, brand_id: str | None = None, start: date | None = None,
        end: date | None = None, queue: str | None = None,
    ) -> VolumeReport:  # fmt: skip
        start, end, _ = self._check(p, brand_id, start, end, queue)
        found, cost = self._read(p, tallies.VOLUME, start, end, queue)
        hours = sorted(
            (
                VolumeHour(
                    hour=datetime.combine(t.day, time(int(t.key)), tzinfo=UTC), queue=t.queue, cases=t.count
                )
                for t in found
            ),
            key=lambda h: (h.hour, h.queue),
        )
        by_queue: dict[str, int] = defaultdict(int)
        for h in hours:
            by_queue[h.queue] += h.cases
        return VolumeReport(
            **self._base(p, start, end, queue, not hours, cost),
            cases=sum(by_queue.values()),
            by_queue=dict(sorted(by_queue.items())),
            hours=hours,
        )

    def reopened(
        self, p: Principal, *, brand_id: str | None = None, start: date | None = None,
        end: date | None = None, queue: str | None = None,
    ) -> ReopenedReport:  # fmt: skip
        start, end, _ = self._check(p, brand_id, start, end, queue)
        resolved, cost = self._read(p, tallies.RESOLVED, start, end, queue)
        reopened, more = self._read(p, tallies.REOPENED_LOW, start, end, queue)
        per_day: dict[date, list[int]] = defaultdict(lambda: [0, 0])
        for t in resolved:
            per_day[t.day][0] += t.count
        for t in reopened:
            per_day[t.day][1] += t.count
        r = sum(v[0] for v in per_day.values())
        low = sum(v[1] for v in per_day.values())
        return ReopenedReport(
            **self._base(p, start, end, queue, not per_day, cost + more),
            resolved=r,
            reopened_after_low_score=low,
            share_pct=figures.share_pct(low, r),
            days=[
                ReopenDay(day=d, resolved=per_day[d][0], reopened_after_low_score=per_day[d][1])
                for d in _days(start, end)
            ],
        )

    def corrections(
        self, p: Principal, *, brand_id: str | None = None, start: date | None = None,
        end: date | None = None, queue: str | None = None,
    ) -> CorrectionsReport:  # fmt: skip
        start, end, _ = self._check(p, brand_id, start, end, queue)
        found, cost = self._read(p, tallies.CORRECTION, start, end, queue)
        per_week: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for t in found:
            per_week[t.day - timedelta(days=t.day.weekday())][t.key] += t.count
        weeks = []
        monday = start - timedelta(days=start.weekday())
        while monday <= end:
            counts = per_week[monday]
            q, a = counts.get("queue", 0), counts.get("agent", 0)
            weeks.append(CorrectionWeek(week=monday, queue_moves=q, agent_moves=a, total=q + a))
            monday += timedelta(days=7)
        total = sum(w.total for w in weeks)
        return CorrectionsReport(
            **self._base(p, start, end, queue, total == 0, cost), corrections=total, weeks=weeks
        )

    def x_spend(
        self, p: Principal, *, brand_id: str | None = None, start: date | None = None, end: date | None = None
    ) -> XSpendReport:
        """What X billed the brand per day and kind (carebird.spend), against its daily budget."""
        start, end, _ = self._check(p, brand_id, start, end, None)
        found, cost = self._counters.read(p.brand_id, SPEND_COUNTER, start, end)
        # The spend counters are report counters (carebird.storage.counters): n the units, total the
        # micro-dollars, the kind as key. SpendBook turns them into dollars, as it does for the poll's budget.
        spend = SpendBook.days_of(
            (SpendCount(t.day, t.key, t.count, round(t.total)) for t in found), start, end
        )
        brand = self._brands.get_brand(p.brand_id)
        limit = brand.config.x_daily_budget_usd if brand else None
        today = next((d for d in spend if d.day == self._today()), None)
        used = None if today is None else Budget(today.total_usd, limit).used
        return XSpendReport(
            **self._base(p, start, end, None, not found, cost),
            total_usd=float(sum((d.total_usd for d in spend), Decimal(0))),
            kinds=_kinds(SpendBook.total(spend)),
            days=[
                XSpendDay(day=d.day, usd=float(d.total_usd), kinds=_kinds(SpendBook.total([d])))
                for d in spend
            ],
            daily_budget_usd=None if limit is None else float(limit),
            today_used_pct=None if used is None else round(100 * used, 1),
            prices_read_on=PRICES_READ_ON,
        )


def _kinds(spent: dict[str, tuple[int, Decimal]]) -> list[XSpendKind]:
    """Units and dollars per kind, most expensive first."""
    rows = [XSpendKind(kind=k, units=n, usd=float(usd), price_usd=_price(k)) for k, (n, usd) in spent.items()]
    return sorted(rows, key=lambda r: (-r.usd, r.kind))


def _bound(bucket: int | None) -> int | None:
    return None if bucket is None or bucket == tallies.OVER else bucket


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def to_csv(report: ReportBase) -> str:
    """The report's rows as CSV (header first), what a lead pastes into a slide."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(report.CSV_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(report.csv_rows())
    return out.getvalue()


def _price(kind: str) -> float:
    try:
        return float(PRICE_USD[XUse(kind)])
    except ValueError:  # a kind this version does not price (a counter from a newer one)
        return 0.0
