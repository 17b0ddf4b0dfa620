"""`make bench-cost`: what AWS and X would bill per 1,000 conversations, counted on the local stack.

It starts a fresh local stack from template.yaml with the sandboxes writing down every AWS call
(carebird_ops.local.calls) and runs these scenarios through the real product:

- a routed conversation: a customer's mention is ingested by the poll function, classified and routed
  by the triage workflow, claimed, answered in time and resolved by an agent through the agent API,
  surveyed by DM by the follow-up function, and the customer's answer ingested and recorded;
- the same customer's next mention on a later UTC day: what X bills a returning author (the author
  directory still knows her profile; X's deduplication of the day before is gone), after that day's
  first poll run, which reads the DM feed's newest event again (X's fixed cost of a brand's day);
- a noise mention: ingested, classified and closed by the triage workflow, alone in its poll run;
- ten noise mentions arriving together, and a poll run that finds nothing: what a noise mention costs
  in a busy run, and what polling costs a brand every month whatever arrives (carebird_ops.bench.noise).

The schedules are slowed out of the way (the bench invokes the scheduled functions itself, once per
step), so each scenario is charged exactly the work it caused. Then it counts, from what the stack
observed: Step Functions state transitions and the workflow's type (its execution histories), EventBridge
Scheduler invocations (the SLA alarms that rang: invocations of their target with an alarm's input), Lambda
invocations with their billed duration (import included, as AWS bills INIT) and memory, DynamoDB
request units (computed from the sizes of the items each call read or wrote, before and after, and the
table's indexes; moto's own ConsumedCapacity is a constant per request and is shown beside), API
Gateway requests, log bytes (the functions' log streams), and X's billable reads and writes (the X
emulator's request log, a resource read once per app and UTC day). It prices them with prices.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from carebird_ops.bench import author_reads
from carebird_ops.bench.costing import (
    COMPONENTS,
    INIT_LIMIT_MS,
    MEMORY_CHOICES,
    PRICES_FILE,
    SLOWDOWN_ALLOWED,
    SLOWDOWN_ALLOWED_MS,
    Prices,
    PricesError,
    Usage,
    add_call_records,
    api_type_of,
    aws_cost,
    load_prices,
    sizing,
    x_cost,
    x_usage,
)
from carebird_ops.bench.noise import (
    BUSY_MENTIONS,
    NOISE_TARGET_USD_PER_1000,
    marginal,
    monthly,
    poll_schedule,
    runs_per_month,
)
from carebird_ops.local.calls import RECORD_ENV

BRAND = "CostHelp"
ROUTED = ("paula", "@CostHelp I was charged twice for my booking last night, I need a refund please")
WARM_UP = ("walter", "@CostHelp I was charged twice for my seat upgrade, please refund one")
# The routed conversation's customer again, on a later UTC day (X bills her profile again then, unless
# the author directory still knows it).
RETURNING = (ROUTED[0], "@CostHelp thanks again for sorting out the refund so quickly!")
NOISE = ("spammy", "@CostHelp FREE crypto giveaway!!! click http://win-btc.example.com to claim")
# Ten spam accounts posting at once, each its own text (a repeat of one text is another signal); a first
# burst, not counted, warms as many sandboxes as ten triage executions at once take (a busy deployment's
# are warm), and the second is counted. Twenty accounts: the counted ten are new to the author directory
# too, as spam accounts mostly are (each costs a user read and a directory write).
BUSY_NOISE = [
    (f"spammer{n}", f"@CostHelp FREE crypto giveaway #{n}!!! click http://win-btc.example.com/{n} to claim")
    for n in range(2 * BUSY_MENTIONS)
]
REPLY = "Hi {name}, sorry about that: the second charge is refunded, you will see it in 3-5 days."
SURVEY = {
    "delay_minutes": 0,
    "wording": "Hi @{customer}, your case with @{brand} is resolved. How did we do, 1-5?",
}
AGENT = {"id": "ana", "name": "Ana Ortiz", "skills": "billing", "languages": "en", "capacity": "4"}
# The schedules fire every 60 / 1e-6 s: never during a run. The bench invokes the functions instead.
TIME_SCALE = "0.000001"
# A poll run ends after 1 s here (50 s deployed): the bench charges the runs the conversation needed.
PARAMETERS = {"PollBudgetSeconds": "1", "PollMinIntervalSeconds": "0.2", "PollMaxIntervalSeconds": "1"}


class BenchError(RuntimeError):
    pass


def _answered(surveys: Any, case_id: str, within: float) -> bool:
    """Whether the case's survey has its score, waiting up to `within` seconds (triage takes about one)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        survey = surveys.get(case_id)
        if survey is not None and survey.score is not None:
            return True
        time.sleep(0.2)
    return False


def _wait(what: str, check: Callable[[], Any], timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise BenchError(f"timed out after {timeout:.0f} s waiting for {what}")


@dataclass
class Mark:
    """Where each record stood when a scenario began."""

    calls: int
    x_requests: int
    logs: dict[str, int]
    executions: set[str]


class CostBench:
    def __init__(self, say: Callable[[str], None]) -> None:
        self.say = say
        self.state = Path(tempfile.mkdtemp(prefix="carebird-cost-"))
        self.record = self.state / "calls.jsonl"
        self.env = {**os.environ, "CAREBIRD_LOCAL_DIR": str(self.state), RECORD_ENV: str(self.record)}
        self.seen_x: set[tuple[str, str, str]] = set()

    # ------------------------------------------------------------------ stack
    def _carebird(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "carebird_ops", *args], env=self.env, capture_output=True, text=True,
            timeout=300,
        )  # fmt: skip
        if result.returncode != 0:
            raise BenchError(
                f"carebird {' '.join(args[:2])} failed:\n{result.stderr.strip() or result.stdout}"
            )
        return result.stdout

    def up(self, template: Path | None = None) -> None:
        from carebird_ops.local import template as template_module
        from carebird_ops.local.endpoints import read_endpoints

        # API Gateway's request price depends on the kind of API the template declares (REST or HTTP).
        loaded = template_module.load(template or template_module.find_template())
        try:
            self.api_type = api_type_of(loaded.resources)
            self.poll_schedule = poll_schedule(loaded.resources, loaded.parameters)
            self.poll_runs_a_month = runs_per_month(self.poll_schedule)
        except ValueError as exc:
            raise BenchError(str(exc)) from None
        self.poll_budget_seconds = float(loaded.parameters["PollBudgetSeconds"]["Default"])

        os.environ["CAREBIRD_LOCAL_DIR"] = str(self.state)
        overrides = [a for name, value in PARAMETERS.items() for a in ("--parameter", f"{name}={value}")]
        self._carebird(
            "local", "up", "--detach", "--aws-port", "0", "--x-port", "0", "--api-port", "0",
            "--time-scale", TIME_SCALE, *overrides, *(["--template", str(template)] if template else []),
        )  # fmt: skip
        self.stack = read_endpoints()
        os.environ.update(self.stack.aws_env())
        import boto3
        from botocore.config import Config

        config = Config(read_timeout=120, retries={"max_attempts": 0})
        self.sfn = boto3.client("stepfunctions", endpoint_url=self.stack.aws, region_name=self.stack.region)
        self.lam = boto3.client(
            "lambda", endpoint_url=self.stack.aws, region_name=self.stack.region, config=config
        )
        self.table = self.stack.resources["CarebirdTable"]

    def down(self) -> None:
        self._carebird("local", "down")

    def invoke(self, logical_id: str, event: dict[str, Any]) -> None:
        answer = self.lam.invoke(
            FunctionName=self.stack.resources[logical_id], Payload=json.dumps(event).encode()
        )
        if answer.get("FunctionError"):
            raise BenchError(f"{logical_id} failed: {answer['Payload'].read().decode()[:500]}")

    def scheduled(self, logical_id: str) -> None:
        """What EventBridge sends a scheduled function (carebird_ops.local.scheduler's event)."""
        from datetime import UTC, datetime

        from carebird_ops.local.scheduler import scheduled_event

        self.invoke(logical_id, scheduled_event(f"bench-{logical_id}", self.stack.region, datetime.now(UTC)))

    # ------------------------------------------------------------------ set-up
    def set_up(self) -> None:
        from carebird_ops.agent_auth import generate_password, sign_in
        from carebird_ops.agent_client import AgentApiClient
        from carebird_ops.xemu.client import EmulatorClient

        self.x = EmulatorClient(self.stack.x_api)
        brand = self.x.ensure_user(BRAND, name="Cost Help", followers=10_000, verified=True)
        self.brand_id = str(brand["id"])
        credentials = self.x.credentials(BRAND)
        import boto3

        secret = self.stack.resources["XCredentialsSecret"]
        secrets = boto3.client("secretsmanager", endpoint_url=self.stack.aws, region_name=self.stack.region)
        secrets.put_secret_value(
            SecretId=secret,
            SecretString=json.dumps({k: credentials.get(k, "") for k in (
                "consumer_key", "consumer_secret", "access_token", "access_token_secret", "bearer_token")}),
        )  # fmt: skip
        self._carebird(
            "brand", "add", "--handle", BRAND, "--user-id", self.brand_id, "--secret", secret,
            "--setting", f"survey={json.dumps(SURVEY)}",
        )  # fmt: skip
        password = generate_password()
        self._carebird(
            "agent", "add", "--brand", BRAND, "--id", AGENT["id"], "--name", AGENT["name"], "--skills",
            AGENT["skills"], "--languages", AGENT["languages"], "--capacity", AGENT["capacity"],
            "--password", password,
        )  # fmt: skip
        client_id = self.stack.resources["AgentUserPoolClient"]
        token = sign_in(client_id, AGENT["id"], password, self.stack.agent_api).id_token
        self.agent = AgentApiClient(self.stack.agent_api, token)
        for username, _ in (ROUTED, WARM_UP, NOISE, *BUSY_NOISE[:BUSY_MENTIONS]):
            self.x.ensure_user(username, followers=300)

    def first_runs(self) -> None:
        """The scheduled functions' first runs: the brand's first read of X, its checkpoints and caches."""
        self.scheduled("PollFunction")
        self.scheduled("FollowupFunction")

    # ------------------------------------------------------------------ observation
    def mark(self) -> Mark:
        logs = self.state / "logs"
        return Mark(
            calls=self.record.stat().st_size if self.record.exists() else 0,
            x_requests=int(self.x.requests(0)["next"]),
            logs={p.name: p.stat().st_size for p in logs.glob("*.log")},
            executions={e["executionArn"] for e in self._executions()},
        )

    def _machines(self) -> dict[str, str]:
        """Every state machine of the stack (template.yaml may declare more than one), by ARN: its type."""
        machines = {}
        for page in self.sfn.get_paginator("list_state_machines").paginate():
            for machine in page["stateMachines"]:
                machines[machine["stateMachineArn"]] = str(machine.get("type", "STANDARD"))
        return machines

    def _executions(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for machine, kind in self._machines().items():
            for page in self.sfn.get_paginator("list_executions").paginate(stateMachineArn=machine):
                found += [{**e, "machine_type": kind} for e in page["executions"]]
        return found

    def usage_since(self, mark: Mark, owned_app: bool) -> tuple[Usage, Counter[str], Counter[str]]:
        """(AWS usage, X billed with the app under another account, X billed with it under the brand)."""
        usage = Usage(api_type=self.api_type)
        with self.record.open("rb") as f:
            f.seek(mark.calls)
            records = [json.loads(line) for line in f.read().decode().splitlines() if line.strip()]
        add_call_records(usage, records, self.architectures())
        for path in (self.state / "logs").glob("*.log"):
            usage.log_bytes += path.stat().st_size - mark.logs.get(path.name, 0)
        for execution in self._executions():
            if execution["executionArn"] in mark.executions:
                continue
            arn = execution["executionArn"]
            if execution["machine_type"] == "EXPRESS":  # billed by request and duration
                stop = execution.get("stopDate") or execution["startDate"]
                usage.express_executions.append((stop - execution["startDate"]).total_seconds() * 1000)
                continue
            events = self.sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
            usage.standard_transitions += sum(1 for e in events if e["type"].endswith("StateEntered"))
        requests = self.x.requests(mark.x_requests)["requests"]
        seen_other, seen_owned = set(self.seen_x), set(self.seen_x)
        billed_other = x_usage(requests, owned_app=False, seen=seen_other)
        billed_owned = x_usage(requests, owned_app=True, seen=seen_owned)
        self.seen_x = seen_other if not owned_app else seen_owned
        usage.x = billed_owned if owned_app else billed_other
        return usage, billed_other, billed_owned

    def architectures(self) -> dict[str, str]:
        if not hasattr(self, "_arch"):
            self._arch: dict[str, str] = {}
            for page in self.lam.get_paginator("list_functions").paginate():
                for fn in page["Functions"]:
                    self._arch[fn["FunctionName"]] = (fn.get("Architectures") or ["x86_64"])[0]
        return self._arch

    def poll_until_ingested(self, *post_ids: str) -> None:
        """Run the poll function until it has read the mentions: it paces its reads of each brand by X's
        rate-limit headers, so a run right after the previous one may leave the mentions for later (as
        the minute schedule does when deployed). Every run is counted."""
        from carebird.ingest.model import Feed
        from carebird.storage.ingest import DynamoIngestStore

        store = DynamoIngestStore(self.table)
        time.sleep(3.0)  # most of X's pacing gap: fewer runs that find nothing due
        for _ in range(30):
            self.scheduled("PollFunction")
            if all(store.get_message(self.brand_id, Feed.MENTIONS, p) is not None for p in post_ids):
                return
            time.sleep(1.0)
        raise BenchError(f"the poll function did not ingest mentions {', '.join(post_ids)} in 30 runs")

    # ------------------------------------------------------------------ scenarios
    def routed_conversation(self, customer: str, text: str) -> None:
        from carebird.storage.cases import DynamoCaseStore
        from carebird.storage.surveys import DynamoSurveyStore

        cases, surveys = DynamoCaseStore(self.table), DynamoSurveyStore(self.table)
        post = self.x.post(customer, text)
        case_id = f"{self.brand_id}-t{post['id']}"
        self.poll_until_ingested(str(post["id"]))
        _wait("the case to be routed", lambda: cases.get(case_id))
        self._settle()  # the Route step set the case's SLA alarms before its execution ended
        self.say(f"  routed: case {case_id}")
        self.agent.cases(queue=cases.get(case_id).queue)  # type: ignore[union-attr]
        self.agent.claim(case_id)
        self.agent.reply(case_id, REPLY.format(name=customer.title()))
        self.agent.resolve(case_id, "refunded")
        self.say("  answered in time and resolved by the agent")
        self.scheduled("FollowupFunction")
        _wait("the survey DM", lambda: (s := surveys.get(case_id)) and s.sent_at)
        self.x.dm(customer, BRAND, "5, thanks!")
        # The poll function paces its DM reads by X's rate-limit headers (a run a second after the last
        # may find the feed not yet due, as the minute schedule would): run it until the answer is in.
        for _ in range(30):
            self.scheduled("PollFunction")
            if _answered(surveys, case_id, 2.0):
                break
        _wait("the survey answer", lambda: (s := surveys.get(case_id)) and s.score is not None)
        self.say("  surveyed by DM and answered")
        self._settle()

    def returning_mention(self) -> None:
        from carebird.storage.cases import DynamoCaseStore

        cases = DynamoCaseStore(self.table)
        customer, text = RETURNING
        post = self.x.post(customer, text)
        self.poll_until_ingested(str(post["id"]))
        self._settle()
        case = cases.get(f"{self.brand_id}-t{post['id']}")
        self.say(
            f"  {customer} again: {f'{case.status.value} ({case.queue})' if case else 'joined her case'}"
        )

    def noise_mention(self) -> None:
        from carebird.storage.cases import DynamoCaseStore

        cases = DynamoCaseStore(self.table)
        customer, text = NOISE
        post = self.x.post(customer, text)
        self.poll_until_ingested(str(post["id"]))
        case_id = f"{self.brand_id}-t{post['id']}"
        self._settle()
        case = cases.get(case_id)
        self.say(f"  noise: {case.status.value if case else 'no case'} ({case.queue if case else '-'})")

    def noise_burst(self, burst: int) -> None:
        """BUSY_MENTIONS noise mentions posted together, read by the same poll run (or runs: each counted,
        and as many empty runs taken off the marginal figure)."""
        from carebird.storage.cases import DynamoCaseStore

        cases = DynamoCaseStore(self.table)
        mine = BUSY_NOISE[burst * BUSY_MENTIONS : (burst + 1) * BUSY_MENTIONS]
        posts = [self.x.post(customer, text) for customer, text in mine]
        self.poll_until_ingested(*(str(p["id"]) for p in posts))
        self._settle()
        found = [cases.get(f"{self.brand_id}-t{p['id']}") for p in posts]
        statuses = Counter(f"{c.status.value} ({c.queue})" if c else "no case" for c in found)
        self.say(f"  {len(posts)} noise mentions: " + ", ".join(f"{n} {s}" for s, n in statuses.items()))

    def empty_run(self) -> int:
        """One poll run that finds nothing, after X's pacing gap (so it reads X, as a deployed run does);
        the X requests it made."""
        time.sleep(3.0)
        before = int(self.x.requests(0)["next"])
        self.scheduled("PollFunction")
        self._settle()
        made = int(self.x.requests(0)["next"]) - before
        self.say(f"  an empty poll run: {made} X requests")
        return made

    def _settle(self) -> None:
        """Every execution finished (SLA clocks wait as alarms, not executions); sandboxes flushed."""
        _wait(
            "triage executions to finish",
            lambda: all(e["status"] != "RUNNING" for e in self._executions()),
            timeout=90,
        )
        time.sleep(0.5)


# ---------------------------------------------------------------------------------------------- table
Measured = tuple[Usage, Counter[str], Counter[str]]  # AWS usage, X billed (app of another account, brand's)
ROUTED_SCENARIO = "routed conversation"
RETURNING_SCENARIO = "returning customer, a later day"
FIRST_OF_DAY = "the first poll run of a later UTC day"
ALONE = "noise mention alone in its run"
BUSY = f"{BUSY_MENTIONS} noise mentions in one run"
EMPTY = "an empty poll run"
X_ROWS = ("X (app under another account)", "X (app under the brand account)")


def cost_rows(measured: Measured, prices: Prices) -> dict[str, float]:
    """A scenario's dollars by row of the table (each AWS component, the AWS total, X both ways)."""
    usage, other, owned = measured
    costs = aws_cost(usage, prices)
    return {
        **costs,
        "AWS total": sum(costs.values()),
        X_ROWS[0]: x_cost(other, prices),
        X_ROWS[1]: x_cost(owned, prices),
    }


def poll_runs(usage: Usage) -> int:
    return sum(1 for run in usage.lambda_runs if run["fn"].rsplit("-", 1)[-1] == "PollFunction")


def triage_usd(usage: Usage, prices: Prices) -> float:
    """What a scenario's triage cost in Lambda and Step Functions: every function but the poll's, and the
    Express executions."""
    triage = Usage(
        express_executions=list(usage.express_executions),
        standard_transitions=usage.standard_transitions,
        lambda_runs=[r for r in usage.lambda_runs if r["fn"].rsplit("-", 1)[-1] != "PollFunction"],
    )
    costs = aws_cost(triage, prices)
    return costs["Lambda"] + costs["Step Functions"]


def reads_per_message(usage: Usage, other: Counter[str], kinds: tuple[str, ...] | None = None) -> float:
    """X resources read per message handed to triage (StartExecution), each read from X once at best;
    of `kinds` only (`post_read`, `user_read`, ...) when given."""
    read = sum(v for k, v in other.items() if k.endswith("_read") and (kinds is None or k in kinds))
    return read / max(1, usage.aws_calls["stepfunctions:StartExecution"])


# What the "X reads per ingested message" counts apart: the messages themselves, and their authors.
MESSAGE_READS = ("post_read", "owned_read", "dm_event_read")
USER_READS = ("user_read",)


def table(
    results: dict[str, Measured],
    prices: Prices,
    cold_runs: list[dict[str, Any]],
    runs_a_month: int = 43_200,
    schedule: str = "rate(1 minute)",
    poll_budget_seconds: float | None = None,
) -> str:
    rows = {name: cost_rows(measured, prices) for name, measured in results.items()}
    # Each column and the scenario it shows ((b): its ten noise mentions' run, less an empty run's).
    scenario_of = {
        "routed conversations": ROUTED_SCENARIO,
        "returning, later day": RETURNING_SCENARIO,
        "noise (a) alone": ALONE,
        "noise (b) marginal": BUSY,
    }
    columns = {name: rows[s] for name, s in scenario_of.items() if s in rows and s != BUSY}
    if BUSY in rows and EMPTY in rows:
        columns["noise (b) marginal"] = marginal(
            rows[BUSY], rows[EMPTY], poll_runs(results[BUSY][0]), BUSY_MENTIONS
        )
    names = list(columns)
    # X's reads per message of the column's scenario
    reads = {n: reads_per_message(*results[scenario_of[n]][:2]) for n in names}
    message_reads = {n: reads_per_message(*results[scenario_of[n]][:2], MESSAGE_READS) for n in names}
    user_reads = {n: reads_per_message(*results[scenario_of[n]][:2], USER_READS) for n in names}
    lines = [f"{'per 1,000':<34}" + "".join(f"{n:>22}" for n in names)]

    def row(label: str, values: list[float], fmt: str = "${:,.4f}") -> None:
        lines.append(f"{label:<34}" + "".join(f"{fmt.format(v):>22}" for v in values))

    for label in (*COMPONENTS, "AWS total", *X_ROWS):
        row(label, [columns[n][label] * 1000 for n in names])
    row("X resources read per message", [reads[n] for n in names], "{:.2f}")
    row("  of them posts and DM events", [message_reads[n] for n in names], "{:.2f}")
    row("  of them users (profiles)", [user_reads[n] for n in names], "{:.2f}")
    if "noise (b) marginal" in columns:
        b = columns["noise (b) marginal"]["AWS total"] * 1000
        a = columns.get("noise (a) alone", {}).get("AWS total", 0.0) * 1000
        judged, on = b, "(b), the marginal cost"
        timed_alone: float | None = None
        if ALONE in results:
            # Ten triage executions at once share this machine's two cores, which AWS would not make them
            # do (each invocation has its own CPU share): their Lambda and Express durations stretch about
            # fivefold. The target is judged on (b) with its triage timed as a mention alone; the measured
            # (b) is printed beside it.
            busy_triage = triage_usd(results[BUSY][0], prices) / BUSY_MENTIONS
            alone_triage = triage_usd(results[ALONE][0], prices)
            timed_alone = (columns["noise (b) marginal"]["AWS total"] - busy_triage + alone_triage) * 1000
            judged, on = timed_alone, "(b) with its triage timed as a mention alone"
        verdict = "met" if judged <= NOISE_TARGET_USD_PER_1000 else "NOT met"
        lines += [
            "",
            f"noise target (AWS <= ${NOISE_TARGET_USD_PER_1000:.2f} per 1,000, judged on {on}):"
            f" ${judged:.4f}, {verdict}; (b) as measured: ${b:.4f}; (a) one noise mention alone in its poll"
            f" run: ${a:.4f}",
            f"  (b) = ({BUSY} - as many empty poll runs as read them) / {BUSY_MENTIONS}: what one more noise"
            " mention costs in a busy minute; (a) charges the whole run to one mention",
        ]
        if timed_alone is not None:
            lines.append(
                "  (b) with its triage (Classify, Route, the Express execution) timed as in (a):"
                f" ${timed_alone:.4f} (ten at once on this machine: ${busy_triage * 1000:.4f} of Lambda and"
                f" Step Functions a mention, against ${alone_triage * 1000:.4f} alone)"
            )
    if EMPTY in rows:
        fixed = monthly(rows[EMPTY], runs_a_month)
        lines += [
            "",
            f"(c) polling's fixed cost per brand per month: {EMPTY} x {runs_a_month:,} runs"
            f" ({schedule}, 30 days), whether anything arrives or not:",
            "  "
            + ", ".join(f"{c} ${fixed[c]:,.2f}" for c in COMPONENTS if fixed[c] >= 0.005)
            + f"; AWS total ${fixed['AWS total']:,.2f} a month",
        ]
        polls = [r for r in results[EMPTY][0].lambda_runs if r["fn"].rsplit("-", 1)[-1] == "PollFunction"]
        if poll_budget_seconds is not None and polls:
            # The bench's runs end after PollBudgetSeconds=1; deployed, a run re-polls every
            # PollMinIntervalSeconds until its budget, found something or not, and is billed that long.
            run = polls[0]
            deployed = runs_a_month * (
                prices("aws.lambda", "per_request")
                + poll_budget_seconds
                * run["memory_mb"]
                / 1024
                * prices("aws.lambda", f"per_gb_second_{run['arch']}")
            )
            lines.append(
                f"  as deployed a run lasts its budget ({poll_budget_seconds:g} s, PollBudgetSeconds) even"
                f" when nothing arrives: its Lambda line becomes ${deployed:,.2f} a month (modelled:"
                f" {runs_a_month:,} x {poll_budget_seconds:g} s x {run['memory_mb']} MB {run['arch']});"
                " shared by the brands one deployment polls"
            )
    if FIRST_OF_DAY in results:
        _, other, owned = results[FIRST_OF_DAY]
        lines += [
            "",
            f"(d) X's fixed cost per brand per day: {FIRST_OF_DAY} reads again what X no longer counts as"
            f" read today (the DM feed's newest event: DM events have no since_id): {dict(other)},"
            f" ${x_cost(other, prices):.3f} a day, ${30 * x_cost(other, prices):.2f} a month"
            f" (app under the brand account: ${30 * x_cost(owned, prices):.2f})",
        ]
    lines += ["", "counted per scenario:"]
    for name, (usage, other, owned) in results.items():
        by_fn: Counter[str] = Counter()
        ms: Counter[str] = Counter()
        for run in usage.lambda_runs:
            short = run["fn"].rsplit("-", 1)[-1]
            by_fn[short] += 1
            ms[short] += run["billed_ms"]
        mems = sorted({f"{r['memory_mb']} MB {r['arch']}" for r in usage.lambda_runs})
        inits = [r["init_ms"] for r in usage.lambda_runs if r.get("init_ms")]
        lines += [
            f"  {name}:",
            f"    Step Functions: {usage.standard_transitions} standard transitions, "
            f"{len(usage.express_executions)} express executions; EventBridge Scheduler: "
            f"{usage.scheduler_invocations} invocations (schedules created, deleted: not billed)",
            f"    Lambda: {len(usage.lambda_runs)} invocations ({', '.join(mems)}): "
            + ", ".join(f"{fn} {by_fn[fn]}x {ms[fn]} ms" for fn in sorted(by_fn))
            + f"; cold starts among them: {len(inits)} ({sum(inits):.0f} ms INIT, billed)",
            f"    DynamoDB: {usage.write_units:g} write units, {usage.read_units:g} read units"
            " (computed from item sizes and indexes; moto reports a constant:"
            f" {usage.engine_units['write']:g} / {usage.engine_units['read']:g})",
            "    DynamoDB calls: "
            + ", ".join(
                f"{k.split(':')[1]} {v}"
                for k, v in sorted(usage.aws_calls.items())
                if k.startswith("dynamodb:")
            ),
            "    other AWS calls: "
            + ", ".join(
                f"{k} {v}" for k, v in sorted(usage.aws_calls.items()) if not k.startswith("dynamodb:")
            ),
            f"    API Gateway requests: {usage.api_requests} ({usage.api_type.upper()} API);"
            f" log bytes: {usage.log_bytes:,}",
            f"    X billed (app under another account): {dict(other)};"
            f" under the brand account: {dict(owned)}",
        ]
    # warm durations from the counted scenarios; the imports' CPU time from the warm-up's cold starts
    runs = [r for usage, _, _ in results.values() for r in usage.lambda_runs] + [
        {**r, "cpu_ms": None} for r in cold_runs
    ]
    lines += [
        "",
        "Lambda sizing: warm invocations measured here (one full CPU), modelled at each memory size"
        f" (CPU time / vCPU share); chosen: the smallest within {SLOWDOWN_ALLOWED}x of a full vCPU"
        f" (or +{SLOWDOWN_ALLOWED_MS:.0f} ms) whose cold start's import stays under {INIT_LIMIT_MS:.0f} ms",
        "  "
        + "function".ljust(20)
        + "n".rjust(3)
        + "wall ms".rjust(9)
        + "CPU ms".rjust(8)
        + "init CPU".rjust(10)
        + "".join(f"{m} MB".rjust(16) for m in MEMORY_CHOICES)
        + "   chosen",
    ]
    for fn, size in sizing(runs, prices).items():
        cells = "".join(
            f"{option['ms']:.0f} ms ${option['usd_per_million']:.2f}".rjust(16)
            for option in size["options"].values()
        )
        lines.append(
            f"  {fn:<20}{size['invocations']:>3}{size['wall_ms']:>9.0f}{size['cpu_ms']:>8.0f}"
            f"{size['init_cpu_ms']:>10.0f}{cells}   {size['chosen']} MB"
            f" (cold start ~{size['options'][size['chosen']]['init_ms']:.0f} ms)"
        )
    lines.append("  (each cell: modelled warm duration, and $ per million invocations on arm64)")
    lines += ["", f"prices of {prices.dated.isoformat()} (AWS us-east-1), from {PRICES_FILE.name}:"]
    lines += [f"  {section}: {url}" for section, url in prices.sources.items()]
    return "\n".join(lines)


def calls_listing(results: dict[str, Measured]) -> str:
    """Every DynamoDB call of each scenario, in order: function, operation, write and read units, items."""
    lines: list[str] = []
    for name, (usage, _, _) in results.items():
        lines += ["", f"DynamoDB calls, {name} (function, operation, write units, read units, items):"]
        for call in usage.dynamodb_calls:
            lines.append(
                f"  {call['fn'].rsplit('-', 1)[-1]:<18}{call['operation']:<19}"
                f"{call['write_units']:>5g} WU{call['read_units']:>5g} RU  {', '.join(call['items'])}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench-cost", description=__doc__.split("\n")[0] if __doc__ else "")
    parser.add_argument("--prices", type=Path, default=PRICES_FILE, help="the dated prices file")
    parser.add_argument("--json", action="store_true", help="print the counts as JSON as well")
    parser.add_argument("--template", type=Path, help="another template.yaml (an older revision, to compare)")
    parser.add_argument(
        "--calls", action="store_true", help="list each DynamoDB call (function, items, units) per scenario"
    )
    args = parser.parse_args(argv)
    try:
        prices = load_prices(args.prices)
    except PricesError as exc:
        print(f"bench-cost: {exc}", file=sys.stderr)
        return 2

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    bench = CostBench(say)
    say("starting a local stack that records every AWS call ...")
    bench.up(args.template.resolve() if args.template else None)
    try:
        bench.set_up()
        results: dict[str, Measured] = {}
        # Lambda bills INIT too, but a deployment answering 1,000 conversations reuses warm sandboxes:
        # one conversation first warms every function, and is not counted.
        say("warm-up conversation (not counted):")
        mark = bench.mark()
        bench.first_runs()
        bench.routed_conversation(*WARM_UP)
        warm_up, _, _ = bench.usage_since(mark, owned_app=False)  # X's reads of the day, cold starts
        say("routed conversation:")
        mark = bench.mark()
        bench.routed_conversation(*ROUTED)
        results[ROUTED_SCENARIO] = bench.usage_since(mark, owned_app=False)
        # A later UTC day: X forgets what it billed the day before. The DM feed has no since_id, so each
        # poll's first page reads the newest event again (free within a day): the day's first poll pays
        # for it once, a fixed cost of the brand's day, counted apart from the returning customer.
        bench.empty_run()  # not counted: what arrived last sizes the next DM page; now nothing did
        bench.seen_x = set()
        say(f"{FIRST_OF_DAY}:")
        mark = bench.mark()
        bench.empty_run()
        results[FIRST_OF_DAY] = bench.usage_since(mark, owned_app=False)
        say(f"{RETURNING_SCENARIO}:")
        mark = bench.mark()
        bench.returning_mention()
        results[RETURNING_SCENARIO] = bench.usage_since(mark, owned_app=False)
        say("noise mention alone in its poll run:")
        mark = bench.mark()
        bench.noise_mention()
        results[ALONE] = bench.usage_since(mark, owned_app=False)
        say(f"{BUSY}, warming as many sandboxes (not counted):")
        bench.noise_burst(0)
        say(f"{BUSY}:")
        mark = bench.mark()
        bench.noise_burst(1)
        results[BUSY] = bench.usage_since(mark, owned_app=False)
        say(f"{EMPTY}:")
        mark = bench.mark()
        bench.empty_run()
        results[EMPTY] = bench.usage_since(mark, owned_app=False)
    finally:
        bench.down()
    print(
        table(
            results,
            prices,
            warm_up.lambda_runs,
            bench.poll_runs_a_month,
            bench.poll_schedule,
            bench.poll_budget_seconds,
        )
    )
    print()
    print(author_reads.report())
    if args.calls:
        print(calls_listing(results))
    if args.json:
        print(
            json.dumps(
                {
                    n: {
                        **{k: v for k, v in vars(u).items() if k != "dynamodb_calls"},
                        "x_other": o,
                        "x_owned": b,
                    }
                    for n, (u, o, b) in results.items()
                },
                default=str,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
