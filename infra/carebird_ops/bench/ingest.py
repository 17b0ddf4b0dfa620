"""`make bench-ingest`: ingestion measured on the local stack, printed as a table.

Starts its own local stack (the real poll function, the X emulator with X's limits), adds a brand,
and has customers post a steady trickle with a burst in the middle (default: 1 mention a second,
and 5,000 within 75 s). When every posted mention is stored it prints what it measured: reads per
ingested mention (the emulator's billing count), the time to ingest the burst, the ingest lag from
posted to stored (p50, p99; steady, before the burst, and overall), triage executions started, X
requests and 429s, and anything lost past X's reach (recorded as open gaps).

X reads back only the newest ~800 mentions: a burst that starts suddenly loses what arrives beyond 800
before the first read after it began, about 75 a second at the 10 s cadence plus a run's start-up.

The poll function runs with the deployed cadence (10 s busy interval, X's real rate-limit windows);
the schedule ticks every 10 s instead of every minute (time scale 6) and each run polls for 8 s of
it, as a deployed run polls for 50 s of each minute. Its timeout is 300 s, so that a run can write a
burst's backlog on the slower local stack (the function's own timeout setting, PollTimeoutSeconds).

    python -m carebird_ops.bench.ingest [--burst 5000] [--burst-seconds 60] [--trickle-per-second 1]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from carebird_ops.bench.ingest_rig import IngestRig, LocalStack, RigError, StoredMessage, wait_until
from carebird_ops.xemu.ids import snowflake_time

BRAND = "AcmeHelp"
PARAMETERS = {
    "PollBudgetSeconds": "8",
    "PollTimeoutSeconds": "300",
    "PollDms": "false",  # mentions are what is measured; DMs have their own limits and tests
}
TIME_SCALE = 6


@dataclass
class Posted:
    trickle: list[str] = field(default_factory=list)
    burst: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def all(self) -> list[str]:
        with self.lock:
            return self.trickle + self.burst


class Trickle(threading.Thread):
    """A customer every 1/rate seconds, until stopped."""

    def __init__(self, rig: IngestRig, posted: Posted, per_second: float) -> None:
        super().__init__(name="trickle", daemon=True)
        self.rig, self.posted, self.period = rig, posted, 1 / per_second
        self.stop = threading.Event()

    def run(self) -> None:
        n = 0
        while not self.stop.wait(self.period):
            post = self.rig.emu.post(f"steady{n % 50}", f"@{BRAND} question {n} about my booking")
            with self.posted.lock:
                self.posted.trickle.append(post["id"])
            n += 1


def post_burst(rig: IngestRig, posted: Posted, count: int, seconds: float) -> None:
    """`count` mentions within `seconds`, in bulk posts every half second."""
    chunk = max(1, round(count / max(1.0, seconds * 2)))
    started, sent = time.monotonic(), 0
    while sent < count:
        n = min(chunk, count - sent)
        specs = [
            {"author": f"fan{(sent + i) % 700}", "text": f"@{BRAND} is it down? #{sent + i}"}
            for i in range(n)
        ]
        ids = rig.emu.bulk_post(specs)
        with posted.lock:
            posted.burst += ids
        sent += n
        time.sleep(max(0.0, started + sent / count * seconds - time.monotonic()))


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def lags(stored: dict[str, StoredMessage], ids: Sequence[str]) -> list[float]:
    return [(stored[i].ingested_at - stored[i].created_at).total_seconds() for i in ids if i in stored]


def run(
    burst: int, burst_seconds: float, trickle_per_second: float, lead_seconds: float, verbose: bool = False
) -> int:
    say = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    say("starting a local stack ...")
    with LocalStack.start(
        Path(tempfile.mkdtemp(prefix="bench-ingest-")), time_scale=TIME_SCALE, parameters=PARAMETERS
    ) as stack:
        rig = IngestRig(stack)
        brand = rig.add_brand(BRAND)
        wait_until(
            lambda: "PollSucceeded" in stack.function_log("PollFunction"), timeout=120, what="first poll"
        )
        posted = Posted()
        trickle = Trickle(rig, posted, trickle_per_second)
        trickle.start()
        say(
            f"a trickle of {trickle_per_second:g}/s; after {lead_seconds:g} s, {burst} in {burst_seconds:g} s"
        )
        time.sleep(lead_seconds)
        burst_started = time.monotonic()
        with posted.lock:
            steady = list(posted.trickle)
        post_burst(rig, posted, burst, burst_seconds)
        say(f"burst posted in {time.monotonic() - burst_started:.1f} s; waiting until it is stored ...")
        newest_burst = max(map(int, posted.burst))
        try:
            wait_until(
                lambda: rig.cursor(brand) >= newest_burst, timeout=1800, interval=2, what="burst stored"
            )
        finally:
            trickle.stop.set()
            trickle.join()
        newest = max(map(int, posted.all()))
        wait_until(lambda: rig.cursor(brand) >= newest, timeout=600, interval=2, what="trickle stored")

        stored = rig.mentions(brand)
        everything = posted.all()
        stats = rig.emu.stats()
        mention_stats = stats["by_endpoint"].get("getUsersMentions", {})
        executions = [n for n in rig.execution_names() if n.startswith(f"m-{brand.user_id}-")]
        gaps = rig.gaps(brand)
        if verbose:
            burst_t0 = min(stored[i].created_at for i in posted.burst if i in stored).timestamp()
            for gap in gaps:
                span = [snowflake_time(int(gap[k])) - burst_t0 for k in ("from_id", "to_id")]
                say(f"gap {gap['status']} ({gap['reason']}): posts from {span[0]:+.1f} s to {span[1]:+.1f} s")
            for line in stack.function_log("PollFunction").splitlines():
                if (
                    line.startswith(("START", "REPORT"))
                    or "poll finished" in line
                    or "reading sooner" in line
                ):
                    say(line[:300])

    burst_stored = [stored[i] for i in posted.burst if i in stored]
    burst_time = (
        max(m.ingested_at for m in burst_stored) - min(m.created_at for m in burst_stored)
    ).total_seconds()
    all_lags = lags(stored, everything)
    steady_lags = lags(stored, steady)
    burst_lags = lags(stored, posted.burst)
    reads = int(mention_stats.get("posts_read", 0))
    lost = len(set(everything) - set(stored))
    rows = [
        (
            "mentions posted",
            f"{len(everything):,}",
            f"burst {len(posted.burst):,} in {burst_seconds:g} s, "
            f"trickle {len(posted.trickle):,} at {trickle_per_second:g}/s",
        ),
        ("mentions stored", f"{len(stored):,}", f"lost {lost:,} (past X's reach: recorded as open gaps)"),
        (
            "reads per ingested mention",
            f"{reads / max(1, len(stored)):.3f}",
            f"{reads:,} posts read by {mention_stats.get('requests', 0)} requests",
        ),
        ("time to ingest the burst", f"{burst_time:.1f} s", "first burst post -> last burst mention stored"),
        (
            "ingest lag p50 / p99",
            f"{percentile(all_lags, 50):.1f} / {percentile(all_lags, 99):.1f} s",
            "posted -> stored, all mentions",
        ),
        (
            "  steady p50 / p99",
            f"{percentile(steady_lags, 50):.1f} / {percentile(steady_lags, 99):.1f} s",
            "the trickle before the burst",
        ),
        ("  burst p50 / p99", f"{percentile(burst_lags, 50):.1f} / {percentile(burst_lags, 99):.1f} s", ""),
        (
            "executions started",
            f"{len(executions):,}",
            f"of {len(stored):,} stored; the rest wait as pending (local Step Functions is slow)",
        ),
        (
            "X 429 answers",
            f"{stats['statuses'].get('429', 0)}",
            f"gaps checked {len(gaps)}, open {sum(g['status'] == 'open' for g in gaps)}",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    value_width = max(len(r[1]) for r in rows)
    print("carebird ingestion bench (local stack: real poll function, X emulator with X's limits)")
    for name, value, note in rows:
        print(f"  {name:<{width}}  {value:>{value_width}}  {note}".rstrip())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m carebird_ops.bench.ingest", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--burst", type=int, default=5_000, help="mentions in the burst (default 5000)")
    parser.add_argument("--burst-seconds", type=float, default=75.0, help="the burst's duration (default 75)")
    parser.add_argument(
        "--trickle-per-second", type=float, default=1.0, help="steady mentions a second (default 1)"
    )
    parser.add_argument(
        "--lead-seconds", type=float, default=40.0, help="trickle before the burst (default 40)"
    )
    parser.add_argument("--verbose", action="store_true", help="also print gaps and the poll function's runs")
    args = parser.parse_args(argv)
    try:
        return run(args.burst, args.burst_seconds, args.trickle_per_second, args.lead_seconds, args.verbose)
    except RigError as exc:
        print(f"bench-ingest: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
