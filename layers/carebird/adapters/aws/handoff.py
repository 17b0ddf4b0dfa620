"""Handing a stored mention or DM to the triage workflow, once per message as far as this side knows.

The execution name is derived from the brand and the tweet or DM event id (`m-` and `d-` prefixes, so a
post and a DM event can never share one). Triage is an Express workflow, which AWS does not deduplicate
by name: a start retried after a crash may run the message's triage twice. That is safe because every
triage step is idempotent on the message id (carebird.triage.routing), and each case's SLA watch is a
Standard execution named after its clock, which Step Functions starts once. ExecutionAlreadyExists
(what a Standard workflow, and the local emulator, answer to a repeated name) means "already handed off".
"""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from carebird.brands import Brand
from carebird.ingest.model import Feed, IngestedMessage
from carebird.ingest.ports import HandoffFailed

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient


# One execution-name prefix per feed: a post and a DM event may share a number.
EXECUTION_PREFIX = {Feed.MENTIONS: "m", Feed.DMS: "d"}
WHAT = {Feed.MENTIONS: "mention", Feed.DMS: "DM"}


def execution_name(record: IngestedMessage) -> str:
    return f"{EXECUTION_PREFIX[record.feed]}-{record.brand_id}-{record.message_id}"


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

    def start(self, record: IngestedMessage, brand: Brand) -> None:
        what = f"{WHAT[record.feed]} {record.message_id}"
        try:
            self.client.start_execution(
                stateMachineArn=self._arn,
                name=execution_name(record),
                input=json.dumps(record.triage_input(brand), sort_keys=True, separators=(",", ":")),
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ExecutionAlreadyExists":
                return
            raise HandoffFailed(f"StartExecution for {what}: {exc}") from exc
        except BotoCoreError as exc:
            raise HandoffFailed(f"StartExecution for {what}: {exc}") from exc
