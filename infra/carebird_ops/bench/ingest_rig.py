"""Ingestion on a local stack, for the ingestion bench and the stack's integration tests.

Starts a stack with its own state directory (`carebird local up --detach`), makes brands whose X
accounts live on the stack's X emulator and whose credentials are in its Secrets Manager, and reads
back what the real poll function stored (the table) and handed to triage (the state machine's
executions). Every AWS client here is pointed at the stack explicitly: nothing in this process's
environment changes, so other tests in the same session are unaffected.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from carebird.brands import Brand
from carebird_ops.local.endpoints import STATE_DIR_ENV, StackEndpoints, read_endpoints
from carebird_ops.xemu.client import EmulatorClient

REPO = Path(__file__).resolve().parents[3]
_GAP_FIELDS = ("from_id", "to_id", "reason", "status")
_GAP_FIGURES = ("attempts", "recovered")
CREDENTIAL_KEYS = ("consumer_key", "consumer_secret", "access_token", "access_token_secret", "bearer_token")


class RigError(RuntimeError):
    pass


def carebird_cli(
    *args: str, state_dir: Path, timeout: float = 180, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """The carebird CLI as an operator runs it, against the stack whose state is in `state_dir`."""
    result = subprocess.run(
        [sys.executable, "-m", "carebird_ops", *args],
        cwd=REPO,
        env={**os.environ, STATE_DIR_ENV: str(state_dir)},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise RigError(
            f"carebird {' '.join(args)} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
        )
    return result


@dataclass
class LocalStack:
    """A detached `carebird local up`, stopped with `stop()` (or as a context manager)."""

    state_dir: Path
    endpoints: StackEndpoints

    @classmethod
    def start(
        cls,
        state_dir: Path,
        *,
        time_scale: float = 60,
        parameters: Mapping[str, str] | None = None,
        x_seed: int | None = None,
        template: Path | None = None,
    ) -> LocalStack:
        args = ["local", "up", "--detach", "--aws-port", "0", "--x-port", "0", "--api-port", "0"]
        args += ["--time-scale", str(time_scale)]
        for name, value in (parameters or {}).items():
            args += ["--parameter", f"{name}={value}"]
        if x_seed is not None:
            args += ["--x-seed", str(x_seed)]
        if template is not None:
            args += ["--template", str(template)]
        state_dir.mkdir(parents=True, exist_ok=True)
        carebird_cli(*args, state_dir=state_dir)
        return cls(state_dir, read_endpoints(state_dir / "stack.json"))

    def stop(self) -> None:
        carebird_cli("local", "down", state_dir=self.state_dir, check=False)

    def __enter__(self) -> LocalStack:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def function_log(self, logical_id: str) -> str:
        path = self.state_dir / "logs" / f"{self.endpoints.resources[logical_id]}.log"
        return path.read_text() if path.exists() else ""

    def killed_invocations(self, logical_id: str) -> int:
        """Invocations that started and never ended, killed by the function's timeout; the latest one
        is left out, as it may still be running."""
        started: list[str] = []
        ended: set[str] = set()
        for line in self.function_log(logical_id).splitlines():
            if line.startswith("START RequestId: "):
                started.append(line.split()[2])
            elif line.startswith("END RequestId: "):
                ended.add(line.split()[2])
        return sum(1 for request in started[:-1] if request not in ended)


@dataclass(frozen=True)
class StoredMessage:
    id: str
    status: str
    skip_reason: str | None
    created_at: datetime
    ingested_at: datetime


class IngestRig:
    """Brands on a running stack, customers on its X emulator, and what ingestion made of them."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        endpoints = self.endpoints = stack.endpoints
        self.emu = EmulatorClient(endpoints.x_api)
        self.table = endpoints.resources["CarebirdTable"]
        self.state_machine = endpoints.resources["TriageStateMachine"]
        self.poll_function = endpoints.resources["PollFunction"]

    def client(self, service: str, read_timeout: float = 60) -> Any:
        return boto3.client(  # type: ignore[call-overload]
            service,
            endpoint_url=self.endpoints.aws,
            region_name=self.endpoints.region,
            aws_access_key_id="local",
            aws_secret_access_key="local",
            config=Config(read_timeout=read_timeout, retries={"max_attempts": 2, "mode": "standard"}),
        )

    # ---------------------------------------------------------------- brands
    def add_brand(self, handle: str, *, settings: Mapping[str, Any] | None = None) -> Brand:
        """The brand's account on the emulator, its credentials in a secret, and `carebird brand add`."""
        user = self.emu.ensure_user(handle, followers=25_000, verified=True)
        creds = self.emu.credentials(handle)
        secret = f"carebird/carebird/x/{handle.lower()}"
        self.client("secretsmanager").create_secret(
            Name=secret, SecretString=json.dumps({k: creds.get(k, "") for k in CREDENTIAL_KEYS})
        )
        args = ["brand", "add", "--handle", handle, "--user-id", user["id"], "--secret", secret]
        for key, value in (settings or {}).items():
            args += ["--setting", f"{key}={json.dumps(value)}"]
        carebird_cli(*args, state_dir=self.stack.state_dir)
        return Brand(
            handle=handle, user_id=user["id"], credentials_secret=secret, settings=dict(settings or {})
        )

    # ---------------------------------------------------------------- what ingestion did
    def mentions(self, brand: Brand) -> dict[str, StoredMessage]:
        return self._stored(f"MENTIONS#{brand.user_id}", "MENTION#", "tweet_id")

    def dms(self, brand: Brand) -> dict[str, StoredMessage]:
        return self._stored(f"DMS#{brand.user_id}", "DM#", "event_id")

    def _stored(self, partition: str, prefix: str, id_attribute: str) -> dict[str, StoredMessage]:
        """The feed's stored messages: the brand's partition of them (carebird.storage.ingest_messages),
        whose keys hold each message id once."""
        pages = (
            self.client("dynamodb")
            .get_paginator("query")
            .paginate(
                TableName=self.table,
                KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
                ExpressionAttributeValues={":p": {"S": partition}, ":s": {"S": prefix}},
                ProjectionExpression="#i, #s, skip_reason, created_at, ingested_at",
                ExpressionAttributeNames={"#i": id_attribute, "#s": "status"},
                ConsistentRead=True,
            )
        )
        found = (
            StoredMessage(
                id=item[id_attribute]["S"],
                status=item["status"]["S"],
                skip_reason=item.get("skip_reason", {}).get("S"),
                created_at=_time(item["created_at"]["S"]),
                ingested_at=_time(item["ingested_at"]["S"]),
            )
            for page in pages
            for item in page["Items"]
        )
        return {message.id: message for message in found}

    def cursor(self, brand: Brand, sk: str = "CURSOR") -> int:
        """The brand's mentions cursor (sk DMCURSOR: its DM cursor) as a number; 0 before the first. Both
        live on the brand's POLL item (`since_id`, `dm_since_id`); before, each had an item of its own
        (sk CURSOR, DMCURSOR), read while the POLL item has none."""
        attribute = "dm_since_id" if sk == "DMCURSOR" else "since_id"
        for key in ("POLL", sk):
            item = self.client("dynamodb").get_item(
                TableName=self.table,
                Key={"pk": {"S": f"BRAND#{brand.user_id}"}, "sk": {"S": key}},
                ConsistentRead=True,
            )
            since = item.get("Item", {}).get(attribute if key == "POLL" else "since_id", {}).get("S")
            if since:
                return int(since)
        return 0

    def pending(self, brand: Brand, partition: str = "HANDOFF") -> int:
        """How many of the brand's stored messages wait for triage (partition DMHANDOFF: DMs)."""
        paginator = self.client("dynamodb").get_paginator("query")
        pages = paginator.paginate(
            TableName=self.table,
            IndexName="gsi2",
            KeyConditionExpression="gsi2pk = :p",
            ExpressionAttributeValues={":p": {"S": f"{partition}#{brand.user_id}"}},
            Select="COUNT",
        )
        return sum(int(page["Count"]) for page in pages)

    def gaps(self, brand: Brand) -> list[dict[str, str]]:
        """The brand's recorded gaps: from_id, to_id, reason and status, and (as text) the window
        queries tried and the mentions they recovered."""
        items = self.client("dynamodb").query(
            TableName=self.table,
            KeyConditionExpression="pk = :p AND begins_with(sk, :g)",
            ExpressionAttributeValues={":p": {"S": f"BRAND#{brand.user_id}"}, ":g": {"S": "GAP#"}},
            ConsistentRead=True,
        )["Items"]
        return [
            {k: next(iter(item[k].values())) for k in (*_GAP_FIELDS, *_GAP_FIGURES) if k in item}
            for item in items
        ]

    def execution_names(self) -> list[str]:
        """Every triage execution's name, as many times as it was started (Step Functions keeps one)."""
        paginator = self.client("stepfunctions").get_paginator("list_executions")
        pages = paginator.paginate(stateMachineArn=self.state_machine, PaginationConfig={"PageSize": 1000})
        return [e["name"] for page in pages for e in page["executions"]]

    def invoke_poll(self) -> dict[str, Any]:
        """One synchronous invocation of the real poll function, as `carebird poll` does."""
        response = self.client("lambda", read_timeout=900).invoke(
            FunctionName=self.poll_function, Payload=json.dumps({"source": "carebird.bench"}).encode()
        )
        body = json.loads(response["Payload"].read() or b"null")
        if response.get("FunctionError"):
            return {"error": body}
        return dict(body)


def wait_until(
    condition: Callable[[], bool], *, timeout: float, interval: float = 0.5, what: str = "condition"
) -> float:
    """Poll `condition` until it holds; seconds it took. RigError (with `what`) after `timeout`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise RigError(f"{what}: not reached within {timeout:.0f} s")
        time.sleep(interval)
    return time.monotonic() - started


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value)
