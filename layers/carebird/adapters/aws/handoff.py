"""Handing a stored mention or DM to the triage state machine, at most one execution per message.

The execution name is derived from the brand and the tweet or DM event id (`m-` and `d-` prefixes, so a
post and a DM event can never share one). Step Functions refuses a second STANDARD
execution of the same name (for 90 days after the first closes), so a retried start after a crash is
answered with ExecutionAlreadyExists, which means "already handed off" and counts as success.
"""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from carebird.ingest.model import IngestedDm, IngestedMention
from carebird.ingest.ports import HandoffFailed

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient


def execution_name(mention: IngestedMention) -> str:
    return f"m-{mention.brand_id}-{mention.mention.id}"


def dm_execution_name(dm: IngestedDm) -> str:
    return f"d-{dm.brand_id}-{dm.dm.id}"


class StepFunctionsHandoff:
    def __init__(self, state_machine_arn: str, client: SFNClient | None = None) -> None:
        self._arn = state_machine_arn
        self._client = client
        self._lock = threading.Lock()

    @property
    def client(self) -> SFNClient:
        # Created on first use, never at import or cold start; the poller hands off from several threads,
        # and creating a boto3 client is not thread-safe (using one is).
        with self._lock:
            if self._client is None:
                self._client = boto3.client("stepfunctions")
            return self._client

    def start(self, mention: IngestedMention) -> None:
        self._start(execution_name(mention), mention.triage_input(), f"mention {mention.mention.id}")

    def start_dm(self, dm: IngestedDm) -> None:
        self._start(dm_execution_name(dm), dm.triage_input(), f"DM {dm.dm.id}")

    def _start(self, name: str, payload: dict[str, Any], what: str) -> None:
        try:
            self.client.start_execution(
                stateMachineArn=self._arn,
                name=name,
                input=json.dumps(payload, sort_keys=True, separators=(",", ":")),
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ExecutionAlreadyExists":
                return
            raise HandoffFailed(f"StartExecution for {what}: {exc}") from exc
        except BotoCoreError as exc:
            raise HandoffFailed(f"StartExecution for {what}: {exc}") from exc
