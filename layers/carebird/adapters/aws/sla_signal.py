"""The first-response signal to a waiting workflow: Step Functions SendTaskSuccess with the case's task token.

A workflow that waits for the first response (a `.waitForTaskToken` state) stores its token on the case;
the agent API sends it when the first reply is on X. The client is built on first use, never at import.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
from botocore.exceptions import ClientError

from carebird.observability import logger

# The workflow no longer waits on this token: it was answered already, timed out, or its execution ended.
_DONE = frozenset({"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"})


class StepFunctionsSignal:
    def __init__(self, client: Any = None) -> None:
        self._client = client

    def _sfn(self) -> Any:
        if self._client is None:
            self._client = boto3.client("stepfunctions")
        return self._client

    def first_response(self, task_token: str, output: dict[str, Any]) -> None:
        try:
            self._sfn().send_task_success(taskToken=task_token, output=json.dumps(output))
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code not in _DONE:
                raise
            logger.info(
                "first-response signal not needed", extra={"reason": code, "case_id": output.get("case_id")}
            )
