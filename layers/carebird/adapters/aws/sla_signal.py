"""The signal to an SLA watch execution waiting on a case's clock, with its task token (kept beside the case).

The watch (infra/statemachine/sla_watch.asl.json) waits in one Task state, `Await`: SendTaskSuccess ends the
execution (its clock finished), SendTaskFailure with the error `LookAgain` sends it to `Evaluate` (the first
reply is out, or the clock moved). An execution of the watch's first definition, still running after an
upgrade, looks again on SendTaskSuccess and fails on any error: its tokens (stored without the
WATCH_TOKEN_PREFIX) only ever get SendTaskSuccess. The client is built on first use, never at import.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
from botocore.exceptions import ClientError

from carebird.observability import logger
from carebird.sla.ports import LOOK_AGAIN, WATCH_TOKEN_PREFIX

# The workflow no longer waits on this token: it was answered already, timed out, or its execution ended.
_DONE = frozenset({"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"})


class StepFunctionsSignal:
    def __init__(self, client: Any = None) -> None:
        self._client = client

    def _sfn(self) -> Any:
        if self._client is None:
            self._client = boto3.client("stepfunctions")
        return self._client

    def look_again(self, task_token: str, output: dict[str, Any]) -> None:
        if task_token.startswith(WATCH_TOKEN_PREFIX):
            token = task_token.removeprefix(WATCH_TOKEN_PREFIX)
            self._send(output, lambda sfn: sfn.send_task_failure(
                taskToken=token, error=LOOK_AGAIN, cause=json.dumps(output)
            ))  # fmt: skip
        else:
            self.finished(task_token, output)

    def finished(self, task_token: str, output: dict[str, Any]) -> None:
        token = task_token.removeprefix(WATCH_TOKEN_PREFIX)
        self._send(output, lambda sfn: sfn.send_task_success(taskToken=token, output=json.dumps(output)))

    def _send(self, output: dict[str, Any], call: Any) -> None:
        try:
            call(self._sfn())
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code not in _DONE:
                raise
            case_id = output.get("case_id")
            logger.info("SLA watch signal not needed", extra={"reason": code, "case_id": case_id})
