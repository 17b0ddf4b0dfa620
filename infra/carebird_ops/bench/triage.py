"""`make bench-triage`: what triage costs and how fast it runs.

- classify latency per mention, in-process (the built-in classifier on varied generated mentions);
- on a fresh local stack: N real executions of the triage workflow started at once, their throughput
  (executions per second, end to end, including the Lambda sandboxes' cold starts), and the state
  transitions per case by path (what Step Functions bills for a STANDARD workflow).

Numbers are for this machine and the local stack; they are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

import boto3

TEXTS = [
    "@acme I was charged twice for my booking, I need a refund",
    "@acme my flight was cancelled and I'm stranded, please rebook me",
    "@acme your app keeps crashing when I log in",
    "@acme thank you, the crew was wonderful today!",
    "@acme FREE crypto giveaway click http://win.example.com",
    "@acme hello?",
    "@acme me cobraron dos veces, necesito un reembolso",
    "@acme where is my bag?? 3 days and nothing",
]


def classify_latency(samples: int) -> dict[str, float]:
    from carebird.classifier import BrandRules, DefaultClassifier, MentionFeatures

    classifier = DefaultClassifier()
    rules = BrandRules.from_dict({"skills": {"billing": ["refund", "charged"], "bookings": ["cancelled"]}})
    rng = random.Random(7)
    mentions = [
        MentionFeatures(text=f"{rng.choice(TEXTS)} #{i}", followers=rng.randint(0, 10**5))
        for i in range(samples)
    ]
    classifier.classify(mentions[0], rules)  # first call loads the lexicon
    timings = []
    for mention in mentions:
        started = time.perf_counter()
        classifier.classify(mention, rules)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "p50_ms": statistics.median(timings),
        "p99_ms": timings[int(len(timings) * 0.99) - 1],
        "mean_ms": statistics.fmean(timings),
    }


def run_stack(executions: int) -> dict[str, Any]:
    from carebird.brands import Brand
    from carebird.storage.brands import DynamoBrandRepository
    from carebird_ops.local.endpoints import read_endpoints

    state_dir = tempfile.mkdtemp(prefix="carebird-bench-")
    env = {**os.environ, "CAREBIRD_LOCAL_DIR": state_dir}
    os.environ["CAREBIRD_LOCAL_DIR"] = state_dir
    up = [sys.executable, "-m", "carebird_ops", "local", "up", "--detach"]
    subprocess.run(
        [*up, "--aws-port", "0", "--x-port", "0", "--api-port", "0"], env=env, check=True, capture_output=True
    )
    try:
        stack = read_endpoints()
        os.environ.update(stack.aws_env())
        brand = Brand(handle="BenchHelp", user_id="424242", credentials_secret="unused", poll_enabled=False)
        DynamoBrandRepository(stack.resources["CarebirdTable"]).put_brand(brand)
        sfn = boto3.client("stepfunctions", endpoint_url=stack.aws, region_name=stack.region)
        scheduler = boto3.client("scheduler", endpoint_url=stack.aws, region_name=stack.region)
        machine, group = stack.resources["TriageStateMachine"], stack.resources["SlaAlarmGroup"]
        started = time.monotonic()
        arns = []
        for i in range(executions):
            mention = {
                "id": str(10**15 + i),
                "author": {"id": str(1000 + i % 50), "username": f"c{i % 50}", "followers_count": 100},
                "text": TEXTS[i % len(TEXTS)],
                "created_at": datetime.now(UTC).isoformat(),
                "conversation_id": str(10**15 + i),
                "lang": "en",
            }
            state = {"brand_id": brand.id, "mention": mention}
            arns.append(
                sfn.start_execution(stateMachineArn=machine, name=f"bench-{i}", input=json.dumps(state))[
                    "executionArn"
                ]
            )
        # Triaged: the Express execution ended (moto keeps it to describe; AWS would log it), and a case
        # it opened has its clocks' alarms (one-time schedules) set, its first response's among them,
        # which in this bench never comes.
        pending = set(arns)
        statuses: Counter[str] = Counter()
        alarms: dict[str, list[str]] = {}  # triage execution -> its case's alarms (clock codes)
        while pending:
            for arn in list(pending):
                described = sfn.describe_execution(executionArn=arn)
                if described["status"] == "RUNNING":
                    continue
                output = json.loads(described.get("output") or "{}")
                outcome = (output.get("outcome") or {}).get("value") or {}
                if described["status"] != "SUCCEEDED":
                    statuses[
                        f"{described['status']} ({described.get('error')}: {described.get('cause')})"
                    ] += 1
                elif outcome.get("await_first_response"):
                    listed = scheduler.list_schedules(GroupName=group, NamePrefix=f"{outcome['case_id']}.")
                    clocks = sorted(sch["Name"].split(".")[-2] for sch in listed["Schedules"])
                    if "fr" not in clocks:
                        continue
                    alarms[arn] = clocks
                    statuses["ALARMED_FOR_FIRST_REPLY"] += 1
                else:
                    statuses[described["status"]] += 1
                pending.discard(arn)
            time.sleep(0.05)
        elapsed = time.monotonic() - started
        paths: dict[str, int] = defaultdict(int)
        for arn in arns:
            path = " > ".join(_entered(sfn, arn))
            if arn in alarms:
                path += " || SLA alarms: " + ", ".join(alarms[arn])
            paths[path] += 1
        return {
            "executions": executions,
            "statuses": dict(statuses),
            "seconds": elapsed,
            "per_second": executions / elapsed,
            "paths": {path: {"cases": n, "transitions": 0} for path, n in paths.items()},
        }
    finally:
        subprocess.run([sys.executable, "-m", "carebird_ops", "local", "down"], env=env, capture_output=True)


def _entered(sfn: Any, arn: str) -> list[str]:
    events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    return [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench-triage")
    parser.add_argument("--executions", type=int, default=100)
    parser.add_argument("--samples", type=int, default=5000)
    args = parser.parse_args()
    latency = classify_latency(args.samples)
    print(f"classify, in-process, {args.samples} mentions: p50 {latency['p50_ms']:.3f} ms, "
          f"p99 {latency['p99_ms']:.3f} ms, mean {latency['mean_ms']:.3f} ms")  # fmt: skip
    result = run_stack(args.executions)
    print(f"local stack: {result['executions']} executions started at once, {result['statuses']}, "
          f"{result['seconds']:.1f} s, {result['per_second']:.1f} executions/s")  # fmt: skip
    print(
        "Standard state transitions per case, by path (triage is Express: billed by request and"
        " duration, not per state; the SLA clocks are one-time schedules, billed per invocation: one"
        " per at-risk or breach moment reached, none for a clock stopped before its moment):"
    )
    for path, info in sorted(result["paths"].items(), key=lambda kv: -kv[1]["cases"]):
        print(f"  {info['transitions']:>2}  ({info['cases']:>3} cases)  {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
