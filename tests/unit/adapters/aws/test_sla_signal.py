"""The first-response signal to Step Functions (carebird.adapters.aws.sla_signal)."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber

from carebird.adapters.aws.sla_signal import StepFunctionsSignal


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
        signal.first_response("t1", output)
        signal.first_response("t2", output)
        signal.first_response("t3", output)
        with pytest.raises(client.exceptions.ClientError):
            signal.first_response("t4", output)
