"""`carebird demo`: the product end to end on the local stack, with scripted customers on the X emulator.

It starts the local stack from template.yaml (or uses the one running), sets up a brand with its X
credentials secret and agents, has customers post mentions on the emulator, and lets the product do the
rest: the poll schedule ingests the mentions and the triage workflow turns them into cases in skill queues.
Then the agents sign in and work their queues through the agent API (carebird_ops.demo_agents): they
claim cases and reply, and the replies appear on the X emulator threaded under the customers' posts.
It then prints what happened, read back from the product's own stores and from X.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from carebird_ops.agent_auth import generate_password, sign_in
from carebird_ops.agent_client import AgentApiClient
from carebird_ops.demo_aftercare import Aftercare, AlarmWatch, report_fields, run_aftercare
from carebird_ops.demo_agents import SUPERVISOR, AgentWork, work_the_queues
from carebird_ops.local.endpoints import (
    STATE_DIR_ENV,
    StackEndpoints,
    StackNotRunning,
    read_endpoints,
    state_dir,
)

BRAND = "AcmeHelp"
TIME_SCALE = 60  # one minute of schedule is one second: the poll runs every second
SLA_CLOCK_SCALE = 10  # SLA targets run 10x faster: a P1's 15 minutes are 90 s
# The poll function's own timings, compressed like the schedule: a run polls for 1 s of each 1-second
# tick, as a deployed run polls for 50 s of each minute. Left at the deployed 50 s, one run would span
# 50 compressed minutes, and the IngestionSilent alarm would see no successful poll for five of them.
POLL_PARAMETERS = {"PollBudgetSeconds": "1", "PollMinIntervalSeconds": "0.2", "PollMaxIntervalSeconds": "1"}
SURVEY = {
    "delay_minutes": 0,
    "wording": "Hi @{customer}, your case with @{brand} is resolved. How did we do, 1-5?",
}

# (customer, text, profile): what customers say to the brand on X.
CUSTOMERS: dict[str, dict[str, Any]] = {
    "alice": {"followers": 340},
    "bob": {"followers": 1200},
    "carla": {"followers": 90},
    "dave": {"followers": 3},
    "erin": {"followers": 560},
    "frank": {"followers": 480_000, "verified": True},
    "gina": {"followers": 25},
    "ines": {"followers": 150, "accepts_dms": False},  # DMs closed: she follows the brand to be reached
}
# Customers who follow the brand on X before they write (ines asks to continue by DM).
FOLLOWS: list[tuple[str, str]] = [("ines", BRAND)]
SCRIPT: list[tuple[str, str]] = [
    ("alice", "@AcmeHelp I was charged twice for my booking last night, I need a refund please"),
    (
        "bob",
        "@AcmeHelp my flight was cancelled and I'm stranded in Denver. Nobody at the desk. Please rebook me!",
    ),
    ("carla", "@AcmeHelp me cobraron dos veces el billete, necesito un reembolso"),
    ("dave", "@AcmeHelp FREE crypto giveaway!!! click http://win-btc.example.com to claim"),
    ("erin", "@AcmeHelp thank you so much, the crew on my flight today was amazing!"),
    ("frank", "@AcmeHelp your app keeps crashing every time I try to log in. Fix it."),
    ("gina", "@AcmeHelp hello?"),
    ("ines", "@AcmeHelp my bag never arrived in Boston :( follow me so I can DM you the bag tag number"),
]
FOLLOW_UP = ("alice", "@AcmeHelp still waiting on that refund, it's been hours")
AGENTS = [
    {"id": "ana", "name": "Ana Ortiz", "skills": "billing", "languages": "en,es", "capacity": "4"},
    {"id": "ben", "name": "Ben Okafor", "skills": "bookings", "languages": "en", "capacity": "4"},
    {"id": "chen", "name": "Chen Wei", "skills": "technical", "languages": "en", "capacity": "4"},
]
SUPERVISOR_NAME = "Sam Reyes"


# The SLA alarms' schedule names say their clock by code (carebird.adapters.aws.scheduler).
_CLOCKS = {"fr": "first_response", "nr": "next_response", "res": "resolution"}


class DemoError(RuntimeError):
    pass


@dataclass
class Report:
    mentions_ingested: int = 0
    mentions_skipped: int = 0
    executions: Counter[str] = field(default_factory=Counter)
    cases: list[dict[str, Any]] = field(default_factory=list)
    agent_work: AgentWork = field(default_factory=AgentWork)
    executions_after_replies: Counter[str] = field(default_factory=Counter)
    aftercare: Aftercare = field(default_factory=Aftercare)
    figures: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        opened = [c for c in self.cases if c["status"] != "closed"]
        replies = self.agent_work.replies
        return {
            "mentions_ingested": self.mentions_ingested,
            "mentions_skipped": self.mentions_skipped,
            "cases_opened": len(opened),
            "cases_closed_as_noise": len(self.cases) - len(opened),
            "cases_by_queue": dict(Counter(c["queue"] for c in opened)),
            "sla_watches": dict(self.executions),
            "cases": self.cases,
            "replies_sent": len(replies),
            "reply_posts_on_x": sum(len(r.x_ids) for r in replies),
            "replies_threaded_under_customer": sum(1 for r in replies if r.threaded),
            "first_responses_within_sla": sum(1 for r in replies if r.sla == "met"),
            "claim_collisions": self.agent_work.collisions,
            "routing_corrections": self.agent_work.corrections,
            "followed_and_dmed": self.agent_work.followed_and_dmed,
            "acknowledged": self.agent_work.acknowledged,
            "reply_failures": self.agent_work.failed,
            "replies": [vars(r) for r in replies],
            "sla_watches_after_replies": dict(self.executions_after_replies),
            **self.figures,
            "alarm_notifications": [f"{name}: {state}" for name, state in self.aftercare.alarms],
            "breached_case": self.aftercare.breached_case,
            "surveys": self.aftercare.surveys,
            "reopened_after_survey": self.aftercare.reopened,
        }


def _run(*args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "carebird_ops", *args], env=env, capture_output=True, text=True, timeout=300
    )
    if result.returncode != 0:
        raise DemoError(
            f"carebird {' '.join(args)} failed:\n{result.stderr.strip() or result.stdout.strip()}"
        )
    return result.stdout


class Demo:
    def __init__(self, say: Any, keep: bool = False) -> None:
        self.say = say
        self.keep = keep
        self.started_stack = False
        self.env = dict(os.environ)
        self.passwords: dict[str, str] = {}  # the agents' sign-in passwords, made up for this run

    # ------------------------------------------------------------------ stack
    def stack(self) -> StackEndpoints:
        """The running local stack, or a new one. A stack the demo stops afterwards lives in a folder of its
        own; one it keeps (--keep) lives in the usual state folder, where `carebird local status`, `down`
        and every other command find it."""
        try:
            endpoints = read_endpoints()
            os.kill(endpoints.pid, 0)
            self.say(f"using the running local stack (pid {endpoints.pid})")
            return endpoints
        except (StackNotRunning, ProcessLookupError, ValueError, TypeError):
            pass
        state = state_dir() if self.keep else Path(tempfile.mkdtemp(prefix="carebird-demo-"))
        self.env[STATE_DIR_ENV] = str(state)
        os.environ[STATE_DIR_ENV] = str(state)
        self.say("starting the local stack from template.yaml ...")
        started = time.monotonic()
        _run(
            "local", "up", "--detach", "--aws-port", "0", "--x-port", "0", "--api-port", "0",
            "--time-scale", str(TIME_SCALE), "--parameter", f"SlaClockScale={SLA_CLOCK_SCALE}",
            *(arg for name, value in POLL_PARAMETERS.items() for arg in ("--parameter", f"{name}={value}")),
            env=self.env,
        )  # fmt: skip
        self.started_stack = True
        endpoints = read_endpoints()
        self.say(f"  up in {time.monotonic() - started:.1f} s: AWS {endpoints.aws}, X {endpoints.x_api}")
        return endpoints

    def stop(self) -> None:
        if self.started_stack:
            _run("local", "down", env=self.env)
            self.say("local stack stopped")

    # ------------------------------------------------------------------ scenario
    def set_up_brand(self, endpoints: StackEndpoints) -> str:
        from carebird_ops.xemu.client import EmulatorClient

        x = EmulatorClient(endpoints.x_api)
        brand_user = x.ensure_user(BRAND, name="Acme Airlines Help", followers=250_000, verified=True)
        credentials = x.credentials(BRAND)
        secrets = _client(endpoints, "secretsmanager")
        secret_id = endpoints.resources["XCredentialsSecret"]
        secrets.put_secret_value(
            SecretId=secret_id,
            SecretString=json.dumps({k: credentials.get(k, "") for k in (
                "consumer_key", "consumer_secret", "access_token", "access_token_secret", "bearer_token")}),
        )  # fmt: skip
        _run(
            "brand",
            "add",
            "--handle",
            BRAND,
            "--user-id",
            brand_user["id"],
            "--secret",
            secret_id,
            "--setting",
            f"survey={json.dumps(SURVEY)}",
            env=self.env,
        )
        for agent in AGENTS:
            self.passwords[agent["id"]] = generate_password()
            _run(
                "agent", "add", "--brand", BRAND, "--id", agent["id"], "--name", agent["name"],
                "--skills", agent["skills"],
                "--languages", agent["languages"], "--capacity", agent["capacity"],
                "--password", self.passwords[agent["id"]], env=self.env,
            )  # fmt: skip
        self.passwords[SUPERVISOR] = generate_password()
        _run(
            "agent", "add", "--brand", BRAND, "--id", SUPERVISOR, "--name", SUPERVISOR_NAME, "--supervisor",
            "--password", self.passwords[SUPERVISOR], env=self.env,
        )  # fmt: skip
        self.say(f"brand @{BRAND} (X user {brand_user['id']}), credentials in {secret_id.split(':')[-1]}")
        self.say(f"agents: {', '.join(a['id'] + ' (' + a['skills'] + ')' for a in AGENTS)}")
        for name, profile in CUSTOMERS.items():
            x.ensure_user(name, **profile)
        for follower, followed in FOLLOWS:
            x.follow(follower, followed)
        return str(brand_user["id"])

    def post_mentions(self, endpoints: StackEndpoints) -> list[str]:
        from carebird_ops.xemu.client import EmulatorClient

        x = EmulatorClient(endpoints.x_api)
        ids: list[str] = []
        self.say("customers post on X:")
        for author, text in SCRIPT:
            post = x.post(author, text)
            ids.append(str(post["id"]))
            self.say(f"  @{author:<6} {text}")
        # a reply in alice's conversation: it must join her case, not open a new one
        author, text = FOLLOW_UP
        reply = x.post(author, text, in_reply_to=ids[0])
        ids.append(str(reply["id"]))
        self.say(f"  @{author:<6} {text}   (reply in the same conversation)")
        return ids

    def wait_for_triage(
        self, endpoints: StackEndpoints, brand_id: str, count: int, timeout: float = 120
    ) -> Report:
        """Until every stored mention that needs triage is on a case (a case of its own, one it joined,
        or a case closed as noise), and every case with a first-response clock has its SLA watch
        waiting. Triage is an Express workflow, which keeps no history to list: cases are the evidence."""
        from carebird.ingest.model import Feed
        from carebird.storage.cases import DynamoCaseStore
        from carebird.storage.ingest import DynamoIngestStore

        os.environ.update(endpoints.aws_env())
        store = DynamoIngestStore(endpoints.resources["CarebirdTable"])
        cases = DynamoCaseStore(endpoints.resources["CarebirdTable"])
        deadline = time.monotonic() + timeout
        while True:
            mentions = store.list_messages(brand_id, Feed.MENTIONS, limit=1000)
            work = [m for m in mentions if m.status.value != "skipped"]
            found = self.cases(endpoints, brand_id)
            on_a_case = {m for c in found for m in c["message_ids"]}
            untriaged = [m.message_id for m in work if m.message_id not in on_a_case]
            watches = self.sla_watches(endpoints)
            # Routing sets a new case's alarms once it is saved: wait until every open, unanswered case
            # has its first-response alarm (or was escalated already).
            alarmed = self.sla_alarm_cases(endpoints, "fr")
            unwatched = [
                c["id"]
                for c in found
                if (case := cases.get(c["id"])) is not None
                and case.status.is_open
                and case.first_response_at is None
                and case.sla_breaches == 0
                and c["id"] not in alarmed
            ]
            if len(mentions) >= count and not untriaged and not unwatched:
                break
            if time.monotonic() > deadline:
                stored = f"{len(mentions)} of {count} mentions stored"
                raise DemoError(
                    f"after {timeout:.0f} s: {stored}, not on a case yet: {untriaged}, "
                    f"cases without a first-response SLA alarm: {unwatched}"
                )
            time.sleep(0.5)
        report = Report(
            mentions_ingested=len(mentions),
            mentions_skipped=len(mentions) - len(work),
            executions=watches,
        )
        report.cases = found
        return report

    def sla_watches(self, endpoints: StackEndpoints) -> Counter[str]:
        """The SLA clocks' alarms set now (one-time schedules in the stack's group), by clock."""
        return Counter(_CLOCKS.get(code, code) for _, code in self._alarms(endpoints))

    def sla_alarm_cases(self, endpoints: StackEndpoints, code: str) -> set[str]:
        """The cases with an alarm of this clock (fr, nr, res) set now."""
        return {case_id for case_id, clock in self._alarms(endpoints) if clock == code}

    def _alarms(self, endpoints: StackEndpoints) -> list[tuple[str, str]]:
        """(case id, clock code) of each alarm: its schedule is named <case>.<clock>.<epoch>."""
        scheduler = _client(endpoints, "scheduler")
        pages = scheduler.get_paginator("list_schedules").paginate(
            GroupName=endpoints.resources["SlaAlarmGroup"]
        )
        names = [s["Name"] for page in pages for s in page["Schedules"]]
        return [(case, clock) for case, clock, _ in (n.rsplit(".", 2) for n in names if n.count(".") >= 2)]

    def work_the_queues(self, endpoints: StackEndpoints) -> AgentWork:
        return work_the_queues(endpoints, BRAND, self.passwords, self.say)

    def executions_after_replies(
        self, endpoints: StackEndpoints, brand_id: str, timeout: float = 60
    ) -> Counter[str]:
        """The first replies clear the first-response alarms; the resolution clocks' alarms stay (paused
        clocks have none) until the cases are resolved. Waits until no assigned open case that is
        answered still has a first-response alarm."""
        from carebird.storage.cases import DynamoCaseStore

        cases = DynamoCaseStore(endpoints.resources["CarebirdTable"])
        deadline = time.monotonic() + timeout
        while True:
            alarmed = self.sla_alarm_cases(endpoints, "fr")
            awaiting_first = [
                c
                for c in self.cases(endpoints, brand_id)
                if (case := cases.get(c["id"])) is not None
                and case.status.is_open
                and case.first_response_at is not None
                and c["id"] in alarmed
            ]
            if not awaiting_first or time.monotonic() > deadline:
                return self.sla_watches(endpoints)
            time.sleep(0.5)

    def supervisor(self, endpoints: StackEndpoints) -> AgentApiClient:
        """The supervisor, signed in to the agent API: the demo's report comes from its report routes."""
        client_id = endpoints.resources["AgentUserPoolClient"]
        token = sign_in(client_id, SUPERVISOR, self.passwords[SUPERVISOR], endpoints.agent_api).id_token
        return AgentApiClient(endpoints.agent_api, token)

    def cases(self, endpoints: StackEndpoints, brand_id: str) -> list[dict[str, Any]]:
        from carebird.brands.desk import load_triage_config
        from carebird.storage.brands import DynamoBrandRepository
        from carebird.storage.cases import DynamoCaseStore

        table = endpoints.resources["CarebirdTable"]
        brand = DynamoBrandRepository(table).get_brand(brand_id)
        config = brand.config.triage if brand else load_triage_config(None)
        store = DynamoCaseStore(table)
        found: list[dict[str, Any]] = []
        for queue in config.queues:
            for case in store.queue(brand_id, queue):
                found.append(
                    {
                        "id": case.id,
                        "customer": case.customer.username,
                        "queue": case.queue,
                        "status": case.status.value,
                        "priority": case.priority,
                        "assignee": case.assignee,
                        "messages": len(case.message_ids),
                        "message_ids": list(case.message_ids),
                        "first_response_due": case.first_response_due.isoformat()
                        if case.first_response_due
                        else None,
                        "reasons": [f"{d.kind}: {d.reason}" for d in case.decisions],
                    }
                )
        return sorted(found, key=lambda c: (c["status"] == "closed", c["priority"], c["id"]))


def _client(endpoints: StackEndpoints, service: str) -> Any:
    return boto3.client(  # type: ignore[call-overload]
        service, endpoint_url=endpoints.aws, region_name=endpoints.region,
        aws_access_key_id="local", aws_secret_access_key="local",
    )  # fmt: skip


def describe(report: Report) -> str:
    data = report.as_json()
    lines = [
        "",
        f"mentions ingested: {data['mentions_ingested']} "
        f"({data['mentions_skipped']} skipped as noise by ingestion)",
        f"SLA alarms set (one-time schedules, by clock): {data['sla_watches']}",
        f"cases opened: {data['cases_opened']}   closed as noise: {data['cases_closed_as_noise']}",
        f"open cases by queue: {data['cases_by_queue']}",
        "",
    ]
    for case in report.cases:
        who = case["assignee"] or "-"
        lines.append(
            f"{case['priority']}  {case['queue']:<12} {case['status']:<9} @{case['customer']:<6} "
            f"agent {who:<5} {case['messages']} msg  case {case['id']}"
        )
        for reason in case["reasons"]:
            lines.append(f"      {reason}")
    work = report.agent_work
    lines += [
        "",
        f"replies sent through the agent API: {data['replies_sent']} ({data['reply_posts_on_x']} posts on X)"
        f", threaded under the customer's post: {data['replies_threaded_under_customer']}"
        f", first response within SLA: {data['first_responses_within_sla']}",
        f"claim collisions refused: {len(work.collisions)}   "
        f"routing corrections kept: {len(work.corrections)}",
        f"SLA alarms after the first replies: {data['sla_watches_after_replies']}"
        " (resolution clocks still running)",
    ]
    for sent in work.replies:
        where = "threaded under their post" if sent.threaded else sent.channel
        lines.append(
            f"  {sent.agent:<5} -> @{sent.customer:<6} {sent.queue:<10} {sent.parts} post(s) {where}, "
            f"first response {sent.sla}: X {', '.join(sent.x_ids)}"
        )
    lines += [f"  not sent: {failure}" for failure in work.failed]
    lines += ["", "alarm notifications: " + (", ".join(data["alarm_notifications"]) or "none")]
    lines += ["", "report:"]
    for key in REPORT_KEYS:
        lines.append(f"  {key:<22} {data.get(key)}")
    return "\n".join(lines)


REPORT_KEYS = (
    "mentions_ingested", "cases_opened", "cases_by_queue", "first_responses", "first_response_avg_s",
    "first_response_p50_at_most_s", "first_response_p90_at_most_s", "sla_met_pct", "sla_met", "sla_breaches",
    "sla_by_clock", "alarms_fired", "surveys_sent", "surveys_answered", "csat_avg", "csat_distribution",
    "reopened_after_low_score", "report_read_units",
)  # fmt: skip


def sign_ins(endpoints: StackEndpoints, passwords: dict[str, str]) -> dict[str, Any]:
    """Where a person works the demo's cases afterwards (--keep): the inbox and who can sign in to it."""
    roles = {agent["id"]: (agent["name"], f"agent: {agent['skills']}") for agent in AGENTS}
    roles[SUPERVISOR] = (SUPERVISOR_NAME, "supervisor: every queue")
    return {
        "inbox_url": endpoints.agent_api.rstrip("/") + "/inbox/",
        "sign_ins": [
            {
                "username": agent,
                "password": passwords[agent],
                "name": roles[agent][0],
                "role": roles[agent][1],
            }
            for agent in passwords
            if agent in roles
        ],
        "state_dir": str(state_dir()),
    }


def describe_kept(kept: dict[str, Any]) -> str:
    lines = ["", f"agent inbox: {kept['inbox_url']}", "sign in as (username / password):"]
    for who in kept["sign_ins"]:
        lines.append(f"  {who['username']:<6} {who['password']}   {who['name']}, {who['role']}")
    lines.append(
        f"the local stack keeps running (state in {kept['state_dir']}): "
        "`carebird local status` shows it, `carebird local down` stops it"
    )
    return "\n".join(lines)


def run(as_json: bool = False, keep: bool = False) -> int:
    quiet = as_json

    def say(text: str) -> None:
        if not quiet:
            print(text, flush=True)

    demo = Demo(say, keep=keep)
    try:
        endpoints = demo.stack()
        brand_id = demo.set_up_brand(endpoints)
        pager = AlarmWatch(endpoints)  # the on-call pager: an SQS queue on the alarm topic
        posted = demo.post_mentions(endpoints)
        say("the poll schedule ingests them; the triage workflow classifies and routes each one ...")
        report = demo.wait_for_triage(endpoints, brand_id, count=len(posted))
        report.agent_work = demo.work_the_queues(endpoints)
        report.executions_after_replies = demo.executions_after_replies(endpoints, brand_id)
        say("after care: an ignored customer, the SLA alarm, resolutions and satisfaction surveys ...")
        report.aftercare = run_aftercare(endpoints, brand_id, BRAND, demo.passwords, pager, say)
        report.cases = demo.cases(endpoints, brand_id)
        report.figures = report_fields(demo.supervisor(endpoints), report.aftercare)
    finally:
        if not keep:
            demo.stop()
    kept = sign_ins(endpoints, demo.passwords) if keep else None
    if as_json:
        print(json.dumps({**report.as_json(), **({"kept": kept} if kept else {})}, indent=2))
    else:
        print(describe(report))
        if kept:
            print(describe_kept(kept))
    return 0
