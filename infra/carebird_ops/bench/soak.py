"""`make bench-soak`: agents working a brand's cases on the local stack while X fails and functions die.

On a fresh local stack: `--agents` agents (20) work the same pool of open cases at once for `--minutes`
(claims, replies with and without an Idempotency-Key, reassignments, notes, resolves and reopens, and a
share of malformed requests), while the X emulator injects faults on posting (5xx, dropped connections,
latency) and the reply function's sandbox processes are killed at random. Then faults stop, the stack gets
`--settle-seconds` for the delivery reconciler (its schedule, past the delivery lease), and the bench
counts what a customer or an agent would notice:

- duplicate posts: two brand posts with the same text under one customer's post;
- replies left pending: outgoing messages still `pending` after the reconciler's period;
- lost notes and messages: a note the API answered 201 for, or a reply it answered 201/202 for, that is
  not in the case's thread;
- 5xx from input: any 5xx except 503 with X's own reason (x_unavailable, rate_limited), which is X, and
  the gateway's 500 {"message":"Internal Server Error"} for a sandbox the bench killed mid-request (an HTTP
  API's answer to a failed invocation; counted apart).

Counts are printed (and --json), never asserted: it is a bench, not part of `make test`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import requests

HANDLE = "SoakHelp"
PASSWORD = "Soak-Passw0rd-2026"
X_FAULTS = [
    {"match": "POST /2/tweets", "error_p": 0.08, "error_statuses": [503], "drop_p": 0.04,
     "latency_p": 0.1, "latency_ms": 1500},
]  # fmt: skip
GATEWAY_500 = {"message": "Internal Server Error"}  # an HTTP API's body for a failed invocation
X_REASONS = {"x_unavailable", "rate_limited"}


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    actions: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    notes: dict[str, set[str]] = field(default_factory=dict)  # case -> note ids answered 201
    replies: dict[str, set[str]] = field(default_factory=dict)  # case -> reply ids answered 201/202
    input_5xx: list[str] = field(default_factory=list)
    killed_5xx: int = 0  # 500 "Internal Server Error": the HTTP API's answer when a sandbox was killed
    kills: int = 0

    def saw(self, action: str, response: requests.Response | None) -> None:
        with self.lock:
            self.actions[action] += 1
            if response is None:
                self.statuses["no answer"] += 1
                return
            self.statuses[str(response.status_code)] += 1
            if response.status_code >= 500:
                code = _code(response)
                if response.status_code == 500 and _body(response) == GATEWAY_500:
                    self.killed_5xx += 1
                elif not (response.status_code == 503 and code in X_REASONS):
                    self.input_5xx.append(f"{action}: {response.status_code} {response.text[:200]}")


def _body(response: requests.Response) -> object:
    try:
        return response.json()
    except ValueError:
        return None


def _code(response: requests.Response) -> str:
    try:
        return str(response.json().get("error", {}).get("code", ""))
    except (ValueError, AttributeError):
        return ""


def _carebird(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "carebird_ops", *args], env=env, capture_output=True, text=True, timeout=300
    )


class Soak:
    def __init__(self, stack: Any, env: dict[str, str], agents: int, cases: int, seed: int) -> None:
        from carebird_ops.xemu.client import EmulatorClient

        self.stack = stack
        self.env = env
        self.x = EmulatorClient(stack.x_api)
        self.rng = random.Random(seed)
        self.agents = [f"soak-{i:02d}" for i in range(agents)]
        self.case_count = cases
        self.tokens: dict[str, str] = {}
        self.cases: list[str] = []
        self.tally = Tally()
        self.stop = threading.Event()

    # ------------------------------------------------------------------ setup
    def setup(self) -> None:
        from carebird_ops.agent_auth import sign_in

        brand = self.x.ensure_user(HANDLE, name="Soak Help", followers=5000)
        credentials = self.x.credentials(HANDLE)
        secret = boto3.client("secretsmanager").create_secret(
            Name=f"carebird/carebird/x/{HANDLE.lower()}",
            SecretString=json.dumps({k: credentials.get(k, "") for k in (
                "consumer_key", "consumer_secret", "access_token", "access_token_secret", "bearer_token")}),
        )["ARN"]  # fmt: skip
        added = _carebird("brand", "add", "--handle", HANDLE, "--user-id", brand["id"], "--secret", secret,
                          "--no-poll", env=self.env)  # fmt: skip
        if added.returncode:
            raise RuntimeError(added.stderr)
        client_id = self.stack.resources["AgentUserPoolClient"]
        for i, agent in enumerate(self.agents):
            role = ["--supervisor"] if i % 5 == 0 else ["--skills", "billing", "--capacity", "100"]
            result = _carebird("agent", "add", "--brand", HANDLE, "--id", agent, "--password", PASSWORD,
                               *role, env=self.env)  # fmt: skip
            if result.returncode:
                raise RuntimeError(result.stderr)
            self.tokens[agent] = sign_in(client_id, agent, PASSWORD, self.stack.agent_api).id_token
        for i in range(self.case_count):
            self.cases.append(self._open_case(brand["id"], i))

    def _open_case(self, brand_id: str, n: int) -> str:
        from carebird.cases.model import Case, CaseMessage, CaseStatus, Channel, Customer
        from carebird.storage.cases import DynamoCaseStore

        customer = f"soakcust{n:03d}"
        customer_id = self.x.ensure_user(customer, followers=50)["id"]
        post = self.x.post(customer, f"@{HANDLE} I was charged twice for booking {n}, refund please")
        now = datetime.now(UTC)
        case = Case(
            id=f"{brand_id}-t{post['id']}", brand_id=brand_id,
            customer=Customer(id=customer_id, username=customer, name=customer, followers=50),
            channel=Channel.PUBLIC, status=CaseStatus.QUEUED, queue="billing", skill="billing", language="en",
            classification={"skill": {"label": "billing", "confidence": 0.9}},
            conversation_ids=(post["id"],), message_ids=(post["id"],), created_at=now, updated_at=now,
            first_message_at=now, first_response_due=now + timedelta(hours=1),
        )  # fmt: skip
        message = CaseMessage(
            id=post["id"], direction="in", channel=Channel.PUBLIC, author_id=customer_id, text=post["text"],
            created_at=now, conversation_id=post["id"],
        )  # fmt: skip
        return DynamoCaseStore(self.stack.resources["CarebirdTable"]).create(case, message).id

    # ------------------------------------------------------------------ load
    def call(self, agent: str, method: str, path: str, **kw: Any) -> requests.Response | None:
        headers = {"Authorization": self.tokens[agent], **kw.pop("headers", {})}
        try:
            return requests.request(
                method, f"{self.stack.agent_api}{path}", headers=headers, timeout=90, **kw
            )
        except requests.RequestException:
            return None

    def agent_loop(self, agent: str, seed: int) -> None:
        rng = random.Random(seed)
        while not self.stop.is_set():
            case = rng.choice(self.cases)
            action = rng.choices(
                ["claim", "reply_key", "reply_nokey", "note", "reassign", "resolve", "reopen", "garbage"],
                weights=[20, 18, 8, 16, 10, 8, 8, 4],
            )[0]
            getattr(self, f"_{action}")(agent, case, rng)

    def _claim(self, agent: str, case: str, rng: random.Random) -> None:
        self.tally.saw("claim", self.call(agent, "POST", f"/cases/{case}/claim"))

    def _reply(self, agent: str, case: str, rng: random.Random, keyed: bool) -> None:
        claimed = self.call(agent, "POST", f"/cases/{case}/claim")
        if claimed is None or claimed.status_code != 200:
            self.tally.saw("claim", claimed)
            return
        text = f"Refund issued, reference {uuid.uuid4().hex[:10]}."
        key = uuid.uuid4().hex
        for _attempt in range(3 if keyed else 1):  # as the CLI does: the same key while not settled
            headers = {"Idempotency-Key": key} if keyed else {}
            answer = self.call(agent, "POST", f"/cases/{case}/replies", json={"text": text}, headers=headers)
            self.tally.saw("reply_key" if keyed else "reply_nokey", answer)
            if answer is not None and answer.status_code in (201, 202):
                with self.tally.lock:
                    self.tally.replies.setdefault(case, set()).add(answer.json()["id"])
            if answer is not None and answer.status_code not in (409, 503) and answer.status_code < 500:
                return
            time.sleep(1)

    def _reply_key(self, agent: str, case: str, rng: random.Random) -> None:
        self._reply(agent, case, rng, keyed=True)

    def _reply_nokey(self, agent: str, case: str, rng: random.Random) -> None:
        self._reply(agent, case, rng, keyed=False)

    def _note(self, agent: str, case: str, rng: random.Random) -> None:
        answer = self.call(agent, "POST", f"/cases/{case}/notes", json={"text": f"note {uuid.uuid4().hex}"})
        self.tally.saw("note", answer)
        if answer is not None and answer.status_code == 201:
            with self.tally.lock:
                self.tally.notes.setdefault(case, set()).add(answer.json()["id"])

    def _reassign(self, agent: str, case: str, rng: random.Random) -> None:
        target = rng.choice([a for i, a in enumerate(self.agents) if i % 5])
        body = {"agent_id": target, "reason": "🦜" * rng.randint(0, 500)}
        self.tally.saw("reassign", self.call(agent, "POST", f"/cases/{case}/reassign", json=body))

    def _resolve(self, agent: str, case: str, rng: random.Random) -> None:
        self.tally.saw("resolve", self.call(agent, "POST", f"/cases/{case}/resolve", json={"reason": "done"}))

    def _reopen(self, agent: str, case: str, rng: random.Random) -> None:
        self.tally.saw("reopen", self.call(agent, "POST", f"/cases/{case}/reopen", json={"reason": "again"}))

    def _garbage(self, agent: str, case: str, rng: random.Random) -> None:
        bodies = [
            (b"[" * 50_000, "application/json"),
            (b'{"text": ' + b"9" * 5000 + b"}", "application/json"),
            (b"garbage", "multipart/form-data"),
            (b"garbage", "multipart/form-data; boundary=X"),
            ('{"text": "\u200b\u200b"}'.encode(), "application/json"),
        ]
        raw, content_type = rng.choice(bodies)
        path = rng.choice(["replies", "notes", "reassign", "resolve", "reopen"])
        answer = self.call(
            agent, "POST", f"/cases/{case}/{path}", data=raw, headers={"Content-Type": content_type}
        )
        self.tally.saw("garbage", answer)

    def killer(self, every_seconds: float, seed: int) -> None:
        """Kill one of the stack's reply-function sandboxes (a worker process) at random, by its pid."""
        rng = random.Random(seed)
        while not self.stop.wait(rng.uniform(every_seconds / 2, every_seconds * 1.5)):
            workers = _workers(self.stack.pid)
            if workers:
                pid = rng.choice(workers)
                try:
                    os.kill(pid, signal.SIGKILL)
                    self.tally.kills += 1
                except ProcessLookupError:
                    pass

    # ------------------------------------------------------------------ checks
    def check(self) -> dict[str, Any]:
        supervisor = self.agents[0]
        pending: list[str] = []
        lost_notes = lost_replies = 0
        duplicates = 0
        for case in self.cases:
            answer = self.call(supervisor, "GET", f"/cases/{case}")
            if answer is None or answer.status_code != 200:
                raise RuntimeError(f"cannot read case {case}: {answer.text if answer else 'no answer'}")
            thread = answer.json()["thread"]
            ids = {m["id"] for m in thread}
            lost_notes += len(self.tally.notes.get(case, set()) - ids)
            lost_replies += len(self.tally.replies.get(case, set()) - ids)
            pending += [
                f"{case}/{m['id']}"
                for m in thread
                if m["direction"] == "out" and (m.get("delivery") or {}).get("status") == "pending"
            ]
            customer_post = case.split("-t", 1)[1]
            texts = Counter(p["text"] for p in self.x.posts(author=HANDLE, in_reply_to=customer_post))
            duplicates += sum(n - 1 for n in texts.values() if n > 1)
        return {
            "duplicate_posts": duplicates,
            "replies_left_pending": len(pending),
            "pending_examples": pending[:5],
            "lost_notes": lost_notes,
            "lost_messages": lost_replies,
            "input_5xx": len(self.tally.input_5xx),
            "input_5xx_examples": self.tally.input_5xx[:5],
            "gateway_500_from_killed_sandboxes": self.tally.killed_5xx,
        }


def _workers(stack_pid: int) -> list[int]:
    """The stack's Lambda sandbox processes (children of the stack running carebird_ops.local.worker)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                command = f.read().replace(b"\0", b" ")
        except (OSError, ValueError, IndexError):
            continue
        if parent == stack_pid and b"carebird_ops.local.worker" in command:
            found.append(int(entry))
    return found


def run(
    minutes: float, agents: int, cases: int, settle_seconds: float, kill_every: float, seed: int
) -> dict[str, Any]:
    from carebird_ops.local.endpoints import read_endpoints

    state_dir = tempfile.mkdtemp(prefix="carebird-soak-")
    env = {**os.environ, "CAREBIRD_LOCAL_DIR": state_dir}
    os.environ["CAREBIRD_LOCAL_DIR"] = state_dir
    up = [sys.executable, "-m", "carebird_ops", "local", "up", "--detach", "--time-scale", "4"]
    subprocess.run([*up, "--aws-port", "0", "--x-port", "0", "--api-port", "0"], env=env, check=True,
                   capture_output=True, timeout=300)  # fmt: skip
    try:
        stack = read_endpoints()
        os.environ.update(stack.aws_env())
        env.update(stack.aws_env())
        soak = Soak(stack, env, agents, cases, seed)
        soak.setup()
        soak.x.set_faults(X_FAULTS, seed=seed)
        threads = [threading.Thread(target=soak.agent_loop, args=(a, seed + i), daemon=True)
                   for i, a in enumerate(soak.agents)]  # fmt: skip
        threads.append(threading.Thread(target=soak.killer, args=(kill_every, seed), daemon=True))
        started = time.monotonic()
        for t in threads:
            t.start()
        soak.stop.wait(minutes * 60)
        soak.stop.set()
        for t in threads:
            t.join(timeout=120)
        load_seconds = time.monotonic() - started
        injected = soak.x.faults().get("injected")
        soak.x.clear_faults()
        time.sleep(settle_seconds)  # the reconciler's grace (150 s) and its schedule
        result = soak.check()
        result.update(
            minutes=round(load_seconds / 60, 2), agents=agents, cases=cases, kills=soak.tally.kills,
            actions=dict(soak.tally.actions), statuses=dict(soak.tally.statuses),
            x_faults=injected,
        )  # fmt: skip
        return result
    finally:
        subprocess.run([sys.executable, "-m", "carebird_ops", "local", "down"], env=env, capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench-soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long the agents work (default 10)")
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--cases", type=int, default=60, help="open cases they share (default 60)")
    parser.add_argument("--settle-seconds", type=float, default=240.0,
                        help="after the load: time for the reconciler (its grace is 150 s)")  # fmt: skip
    parser.add_argument(
        "--kill-every", type=float, default=20.0, help="seconds between sandbox kills, on average"
    )
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.minutes, args.agents, args.cases, args.settle_seconds, args.kill_every, args.seed)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"soak: {result['agents']} agents, {result['cases']} cases, {result['minutes']} min, "
              f"{result['kills']} sandboxes killed, X faults {result['x_faults']}")  # fmt: skip
        print(f"  actions {result['actions']}")
        print(f"  statuses {result['statuses']}")
        for key in ("duplicate_posts", "replies_left_pending", "lost_notes", "lost_messages", "input_5xx",
                    "gateway_500_from_killed_sandboxes"):  # fmt: skip
            print(f"  {key}: {result[key]}")
        for key in ("pending_examples", "input_5xx_examples"):
            if result[key]:
                print(f"  {key}: {result[key]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
