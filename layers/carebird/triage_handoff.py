"""Handing a stored mention to the triage state machine, at most one execution per mention.

The execution name is derived from the brand and tweet ids. Step Functions refuses a second STANDARD
execution of the same name (for 90 days after the first closes), so a retried start after a crash is
answered with ExecutionAlreadyExists, which means "already handed off" and counts as success.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from carebird.ingest.model import IngestedMention
from carebird.ingest.ports import HandoffFailed

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient


def execution_name(mention: IngestedMention) -> str:
    return f"m-{mention.brand_id}-{mention.mention.id}"


class StepFunctionsHandoff:
    def __init__(self, state_machine_arn: str, client: SFNClient | None = None) -> None:
        self._arn = state_machine_arn
        self._client = client

    @property
    def client(self) -> SFNClient:
        if self._client is None:  # created on first use, never at import or cold start
            self._client = boto3.client("stepfunctions")
        return self._client

    def start(self, mention: IngestedMention) -> None:
        payload: dict[str, Any] = mention.triage_input()
        try:
            self.client.start_execution(
                stateMachineArn=self._arn,
                name=execution_name(mention),
                input=json.dumps(payload, sort_keys=True, separators=(",", ":")),
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ExecutionAlreadyExists":
                return
            raise HandoffFailed(f"StartExecution for mention {mention.mention.id}: {exc}") from exc
        except BotoCoreError as exc:
            raise HandoffFailed(f"StartExecution for mention {mention.mention.id}: {exc}") from exc
