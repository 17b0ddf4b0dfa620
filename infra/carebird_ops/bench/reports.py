"""`make bench-reports`: what one report costs to read for a month of 100,000 cases.

Generates a month of cases (five queues, four priorities, hours weighted to the day, first replies with
their verdicts, next-response and resolution verdicts, breaches, 30% surveyed, low scores reopened, 3%
corrected), turns each into the tallies the product counts (carebird.reports.tallies, the same functions
the case store calls), merges them into the counter items carebird.storage.counters would hold, and prints
what each month-long report reads: queries, counter items, bytes and read units by DynamoDB's rule for an
eventually consistent Query (the item sizes summed, rounded up to 4 KB, half a unit each). moto answers
every query with a flat 1.0 unit, so the units are computed, not taken from it. Figures are reported,
never asserted.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

TABLE = "carebird-bench-reports"
QUEUES = ("billing", "bookings", "technical", "triage", "escalations")
BRAND_ID = "1000"


def month_of_tallies(cases: int, days: int, end: date, seed: int) -> list[Any]:
    from carebird.reports import tallies as t
    from carebird.reports.tallies import SURVEY_REOPENER, Tally
    from carebird.triage.model import Case, CaseStatus, Channel, Customer, Decision

    rng = random.Random(seed)
    out: list[Tally] = []
    start = datetime.combine(end - timedelta(days=days - 1), datetime.min.time(), tzinfo=UTC)
    for n in range(cases):
        opened_at = start + timedelta(days=rng.randrange(days), hours=rng.triangular(0, 24, 14))
        queue = rng.choice(QUEUES)
        priority = rng.choices(("P1", "P2", "P3", "P4"), (1, 3, 5, 2))[0]
        decisions: list[Decision] = []
        wait = rng.expovariate(1 / 1200)
        if rng.random() < 0.05:
            decisions.append(
                Decision(
                    at=opened_at + timedelta(hours=1), kind="sla_breach", value="first_response", reason=""
                )
            )
            wait = 3600 + rng.expovariate(1 / 1800)
        replied = opened_at + timedelta(seconds=wait)
        verdict = "met" if wait <= 3600 else "missed"
        decisions.append(Decision(at=replied, kind="first_response", value=verdict, reason="", by="ana"))
        if rng.random() < 0.3:
            later = replied + timedelta(hours=1)
            decisions.append(Decision(at=later, kind="sla", value="next_response:x", reason=""))
            decisions.append(
                Decision(
                    at=later + timedelta(minutes=30),
                    kind="next_response",
                    value=rng.choice(("met", "met", "missed")),
                    reason="",
                )
            )
        closed = replied + timedelta(hours=rng.uniform(1, 30))
        decisions.append(Decision(at=closed, kind="resolved", value="resolved", reason="", by="ana"))
        decisions.append(
            Decision(at=closed, kind="resolution", value="met" if rng.random() < 0.9 else "missed", reason="")
        )
        case = Case(
            id=f"{BRAND_ID}-t{n}",
            brand_id=BRAND_ID,
            customer=Customer(id=str(n)),
            channel=Channel.PUBLIC,
            status=CaseStatus.QUEUED,
            queue=queue,
            priority=priority,
            created_at=opened_at,
            updated_at=opened_at,
            first_message_at=opened_at,
            decisions=tuple(decisions),
        )
        out += t.opened(case) + t.case_tallies(case)
        if rng.random() < 0.3:
            score = rng.choices((1, 2, 3, 4, 5), (1, 1, 2, 3, 5))[0]
            out.append(t.csat(queue, score, closed + timedelta(hours=2)))
            if score <= 2:
                reopen = Decision(
                    at=closed + timedelta(hours=2),
                    kind="reopened",
                    value="escalations",
                    reason="",
                    by=SURVEY_REOPENER,
                )
                out += t.case_tallies(
                    case.model_copy(update={"decisions": (*decisions, reopen), "tallied": len(decisions)})
                )
        if rng.random() < 0.03:
            out.append(t.correction(queue, rng.choice(("queue", "agent")), opened_at + timedelta(minutes=5)))
    return [x for x in t.merged(out) if x.day <= end]


def item_bytes(tally: Any) -> int:
    """The counter item's size by DynamoDB's rule (attribute names and values in bytes; a number takes
    about one byte per two digits, plus one), as carebird.storage.counters writes it."""
    from carebird.storage.counters import counter_sk, report_pk

    def number(value: float) -> int:
        return len(str(value).replace(".", "").lstrip("-")) // 2 + 2

    return (
        len("pk") + len(report_pk(BRAND_ID)) + len("sk") + len(counter_sk(tally))
        + len("n") + number(tally.count) + len("queue") + len(tally.queue)
        + (len("total") + number(round(tally.total)) if tally.total else 0)
    )  # fmt: skip


def main() -> int:
    from carebird.reports import tallies as t

    parser = argparse.ArgumentParser(prog="bench-reports")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    end = datetime.now(UTC).date()
    began = time.monotonic()
    counters = month_of_tallies(args.cases, args.days, end, args.seed)
    reports = {
        "first_response": (t.FIRST_RESPONSE,),
        "sla": (t.SLA,),
        "csat": (t.CSAT,),
        "volume": (t.VOLUME,),
        "reopened": (t.RESOLVED, t.REOPENED_LOW),
        "corrections": (t.CORRECTION,),
    }
    result: dict[str, Any] = {
        "cases": args.cases, "days": args.days, "counter_items": len(counters),
        "generate_s": round(time.monotonic() - began, 1), "reports": {},
    }  # fmt: skip
    for name, metrics in reports.items():
        read = [c for c in counters if c.metric in metrics]
        size = sum(item_bytes(c) for c in read)
        # One query per metric, paginated at 1 MB; eventually consistent: half a unit per 4 KB read.
        units = sum(
            max(1, -(-sum(item_bytes(c) for c in read if c.metric == m) // 4096)) / 2 for m in metrics
        )
        result["reports"][name] = {
            "queries": len(metrics),
            "items": len(read),
            "bytes": size,
            "read_units": units,
        }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
