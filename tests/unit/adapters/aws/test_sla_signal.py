"""The first-response signal: SendTaskSuccess with the case's output; a wait that already ended is not an
error, anything else is (Step Functions retries the step)."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber

from carebird.adapters.aws.sla_signal import StepFunctionsSignal
from carebird.sla.ports import WATCH_TOKEN_PREFIX


def test_send_task_success_carries_the_first_response_and_a_finished_wait_is_not_an_error() -> None:
    client = boto3.client(
        "stepfunctions", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    signal = StepFunctionsSignal(client)
    output = {"case_id": "c1", "sla_met": True}
    with Stubber(client) as stub:
        stub.add_response("send_task_success", {}, {"taskToken": "t1", "output": json.dumps(output)})
        stub.add_client_error("send_task_success", service_error_code="TaskTimedOut")
        stub.add_client_error("send_task_success", service_error_code="InvalidToken")
        stub.add_client_error("send_task_success", service_error_code="ThrottlingException")
        signal.look_again("t1", output)
        signal.look_again("t2", output)
        signal.look_again("t3", output)
        with pytest.raises(client.exceptions.ClientError):
            signal.look_again("t4", output)


def test_the_current_watch_is_woken_with_look_again_and_ended_with_success() -> None:
    client = boto3.client(
        "stepfunctions", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    signal = StepFunctionsSignal(client)
    output = {"case_id": "c1", "moved": True}
    with Stubber(client) as stub:
        stub.add_response(
            "send_task_failure", {}, {"taskToken": "t1", "error": "LookAgain", "cause": json.dumps(output)}
        )
        stub.add_response("send_task_success", {}, {"taskToken": "t2", "output": json.dumps(output)})
        stub.add_response("send_task_success", {}, {"taskToken": "t3", "output": json.dumps(output)})
        signal.look_again(WATCH_TOKEN_PREFIX + "t1", output)
        signal.finished(WATCH_TOKEN_PREFIX + "t2", output)
        signal.finished("t3", output)  # the first definition's execution: it looks again, finds it stopped
        stub.assert_no_pending_responses()
