"""`carebird local up` provisions template.yaml into the local stack and serves it over HTTP."""

from __future__ import annotations

import json
import socket
import time
from typing import Any

import boto3
import pytest
import requests

from carebird_ops.local.endpoints import StackEndpoints
from carebird_ops.local.template import find_template, load
from tests.conftest import REPO, carebird
from tests.support.local_stack import stack_client


def test_every_resource_of_the_template_is_provisioned(local_stack: StackEndpoints) -> None:
    template = load(find_template(REPO))
    declared = {lid for lid, r in template.resources.items() if "Condition" not in r}
    assert declared <= set(local_stack.resources), declared - set(local_stack.resources)

    table = local_stack.resources["CarebirdTable"]
    ddb = stack_client(local_stack, "dynamodb")
    description = ddb.describe_table(TableName=table)["Table"]
    assert description["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert {i["IndexName"] for i in description["GlobalSecondaryIndexes"]} == {"gsi1", "gsi2"}
    # the IndexProjection parameter's default reaches the table: a new stack's indexes hold keys only
    assert {i["Projection"]["ProjectionType"] for i in description["GlobalSecondaryIndexes"]} == {"KEYS_ONLY"}
    assert (
        ddb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]["AttributeName"] == "expires_at"
    )
    backups = ddb.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"

    lam = stack_client(local_stack, "lambda")
    for logical in ("PollFunction", "ClassifyFunction", "AgentApiFunction", "FollowupFunction"):
        config = lam.get_function_configuration(FunctionName=local_stack.resources[logical])
        env = config["Environment"]["Variables"]
        assert config["Runtime"] == "python3.12"
        assert env["TABLE_NAME"] == table  # Globals, resolved
        assert env["X_API_BASE_URL"] == local_stack.x_api  # the product reaches the emulator by configuration
    poll_env = lam.get_function_configuration(FunctionName=local_stack.resources["PollFunction"])[
        "Environment"
    ]
    assert poll_env["Variables"]["TRIAGE_STATE_MACHINE_ARN"] == local_stack.resources["TriageStateMachine"]

    described = stack_client(local_stack, "stepfunctions").describe_state_machine(
        stateMachineArn=local_stack.resources["TriageStateMachine"]
    )
    definition = described["definition"]
    assert "${" not in definition
    assert described["type"] == "EXPRESS"
    # Triage starts no SLA watch execution: the Route step sets the clocks' alarms (SlaAlarmGroup).
    assert local_stack.resources["SlaWatchStateMachine"] not in definition
    assert stack_client(local_stack, "scheduler").get_schedule_group(
        Name=local_stack.resources["SlaAlarmGroup"]
    )
    # An Express workflow keeps no history: a failed execution is logged, with the customer's message.
    (destination,) = described["loggingConfiguration"]["destinations"]
    assert (
        destination["cloudWatchLogsLogGroup"]["logGroupArn"].split(":")[6]
        == local_stack.resources["TriageLogGroup"]
    )
    assert described["loggingConfiguration"]["includeExecutionData"] is True
    classify_arn = lam.get_function_configuration(FunctionName=local_stack.resources["ClassifyFunction"])[
        "FunctionArn"
    ]
    assert classify_arn in definition

    rule = stack_client(local_stack, "events").describe_rule(
        Name=local_stack.resources["PollFunctionPollSchedule"]
    )
    assert rule["ScheduleExpression"] == "rate(1 minute)"
    alarms = {
        a["AlarmName"] for a in stack_client(local_stack, "cloudwatch").describe_alarms()["MetricAlarms"]
    }
    assert {
        local_stack.resources[a] for a in ("IngestionSilentAlarm", "PollErrorsAlarm", "TriageFailuresAlarm")
    } <= alarms
    assert stack_client(local_stack, "secretsmanager").describe_secret(
        SecretId=local_stack.resources["XCredentialsSecret"]
    )


def test_a_step_functions_execution_runs_the_real_classify_handler(
    local_stack: StackEndpoints, monkeypatch: pytest.MonkeyPatch
) -> None:
    from carebird.brands import Brand
    from carebird.storage.brands import DynamoBrandRepository

    for key, value in local_stack.aws_env().items():
        monkeypatch.setenv(key, value)
    brand = Brand(handle="ClassifyIt", user_id="5550001", credentials_secret="unused", poll_enabled=False)
    DynamoBrandRepository(local_stack.resources["CarebirdTable"]).put_brand(brand)
    sfn = stack_client(local_stack, "stepfunctions")
    mention = {
        "id": "1001",
        "author": {"id": "42", "username": "alice"},
        "text": "My flight was cancelled and nobody answers!",
        "created_at": "2026-11-23T10:00:00+00:00",
    }
    arn = sfn.start_execution(
        stateMachineArn=local_stack.resources["TriageStateMachine"],
        name="it-classify-1",
        input=json.dumps({"brand_id": brand.id, "mention": mention}),
    )["executionArn"]
    # The execution's output holds the Classify task's result: the real handler ran in the local runner.
    # (moto describes Express executions as it does Standard ones; AWS logs them instead.)
    deadline = time.monotonic() + 30
    while (execution := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
        assert time.monotonic() < deadline, "the triage execution did not finish within 30 s"
        time.sleep(0.1)
    assert execution["status"] == "SUCCEEDED", execution
    classified = json.loads(execution["output"])
    classification = classified["classified"]["value"]
    assert classification["sentiment"]["label"] == "negative"
    assert classification["skill"]["label"] == "bookings"  # the default triage config's keyword "cancelled"


def test_the_agent_api_is_served_as_api_gateway_would(local_stack: StackEndpoints) -> None:
    health = requests.get(f"{local_stack.agent_api}/health", timeout=30)
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    assert health.headers["apigw-requestid"]  # an HTTP API's request id header
    document = requests.get(f"{local_stack.agent_api}/openapi", params={"format": "json"}, timeout=30).json()
    assert "/health" in document["paths"]
    wrong_stage = local_stack.agent_api.rsplit("/", 1)[0] + "/nostage/health"
    unknown = requests.get(wrong_stage, timeout=30)
    assert unknown.status_code == 404 and unknown.json() == {"message": "Not Found"}


def test_the_poll_schedule_fires_the_poll_function(local_stack: StackEndpoints) -> None:
    logs = stack_client(local_stack, "logs")
    group = f"/aws/lambda/{local_stack.resources['PollFunction']}"
    deadline = time.monotonic() + 20  # the schedule runs 60x faster in tests: every second
    while time.monotonic() < deadline:
        try:
            messages = [e["message"] for e in logs.filter_log_events(logGroupName=group)["events"]]
        except logs.exceptions.ResourceNotFoundException:
            messages = []
        if any(m.startswith("START RequestId") for m in messages):
            return
        time.sleep(0.5)
    pytest.fail("the poll function was never invoked by its schedule")


def test_up_refuses_while_a_stack_runs(local_stack: StackEndpoints) -> None:
    second = carebird("local", "up", "--detach", "--aws-port", "0", "--x-port", "0", "--api-port", "0")
    assert second.returncode == 1
    assert "already running" in second.stderr


def test_a_taken_port_is_a_clear_error(tmp_path: Any) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = carebird(
            "local", "up", "--aws-port", str(port), "--x-port", "0", "--api-port", "0",
            env={"CAREBIRD_LOCAL_DIR": str(tmp_path)},
        )  # fmt: skip
    assert result.returncode == 1
    assert f"port {port}" in result.stderr and "already in use" in result.stderr


def test_x_api_flag_points_the_product_at_another_endpoint(tmp_path: Any) -> None:
    env = {"CAREBIRD_LOCAL_DIR": str(tmp_path)}
    other = "http://127.0.0.1:9/x-proxy"
    up = carebird("local", "up", "--detach", "--aws-port", "0", "--api-port", "0", "--x-api", other, env=env)
    assert up.returncode == 0, up.stderr
    try:
        state = json.loads((tmp_path / "stack.json").read_text())
        assert state["x_api"] == other
        lam = boto3.client(
            "lambda",
            endpoint_url=state["aws"],
            region_name="us-east-1",
            aws_access_key_id="l",
            aws_secret_access_key="l",
        )
        env_vars = lam.get_function_configuration(FunctionName=state["resources"]["PollFunction"])[
            "Environment"
        ]
        assert env_vars["Variables"]["X_API_BASE_URL"] == other
    finally:
        down = carebird("local", "down", env=env)
    assert down.returncode == 0 and "stopped" in down.stdout
    assert not (tmp_path / "stack.json").exists()


def test_unknown_arguments_are_a_usage_error() -> None:
    result = carebird("local", "up", "--no-such-flag")
    assert result.returncode == 2
    assert "usage:" in result.stderr
