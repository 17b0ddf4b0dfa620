"""The agent API over HTTP on the local stack: the HTTP API's JWT authorizer (ID tokens from the stack's
user pool), the real agent API function, DynamoDB, Step Functions and the X API emulator (the desk:
tests/integration/agent_desk.py)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import boto3
import pytest
import requests

from carebird.cases.model import CaseStatus
from carebird.outbound.text import weighted_length
from carebird.storage.cases import DynamoCaseStore
from carebird.storage.casework import DynamoCorrectionLog
from carebird_ops.agent_client import ApiError
from carebird_ops.local.endpoints import StackEndpoints
from tests.conftest import carebird
from tests.integration.agent_desk import HANDLE, PASSWORD, Desk, open_desk, stack_env


@pytest.fixture(scope="module")
def desk(local_stack: StackEndpoints) -> Iterator[Desk]:
    with stack_env(local_stack):
        yield open_desk(local_stack)


# ---------------------------------------------------------------------------------------------- auth


def test_without_a_valid_token_api_gateway_answers_401(desk: Desk) -> None:
    assert desk.call(None, "GET", "/cases").status_code == 401
    assert desk.call(None, "GET", "/cases").json() == {"message": "Unauthorized"}
    forged = desk.tokens["it-ana"][:-8] + "AAAAAAAA"
    assert desk.call(None, "GET", "/me", headers={"Authorization": forged}).status_code == 401
    bearer = {"Authorization": f"Bearer {desk.tokens['it-ana']}"}  # taken with or without "Bearer "
    assert desk.call(None, "GET", "/me", headers=bearer).json()["agent_id"] == "it-ana"
    assert desk.call(None, "GET", "/health").status_code == 200
    document = desk.call(None, "GET", "/openapi", params={"format": "json"}).json()
    assert "/cases/{case_id}/replies" in document["paths"]


def test_the_token_says_who_you_are_and_your_record_what_you_work(desk: Desk) -> None:
    me = desk.client("it-ben").me()
    assert me == {"agent_id": "it-ben", "brand_id": desk.brand_id, "name": "it-ben", "role": "agent",
                  "queues": ["billing", "bookings"]}  # fmt: skip
    assert desk.client("it-sue").me()["role"] == "supervisor"


def test_another_queues_case_is_403_and_a_supervisor_sees_it(desk: Desk) -> None:
    case = desk.open_case(f"@{HANDLE} the app crashes on login", queue="technical")
    refused = desk.call("it-ana", "GET", f"/cases/{case.id}")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert desk.client("it-chen").case(case.id)["queue"] == "technical"
    assert desk.client("it-sue").case(case.id)["id"] == case.id
    assert desk.call("it-ana", "GET", f"/cases/{desk.brand_id}-t1").status_code == 404


# ---------------------------------------------------------------------------------------------- endpoints


def test_an_agent_works_a_case_from_queue_to_resolution(desk: Desk) -> None:
    ana, ben, sue = desk.client("it-ana"), desk.client("it-ben"), desk.client("it-sue")
    case = desk.open_case(due_in=timedelta(minutes=20))
    billing = next(q for q in ana.queues() if q["queue"] == "billing")
    assert billing["open"] >= 1 and billing["at_risk"] >= 1 and billing["oldest_waiting_seconds"] is not None
    listed = [c["id"] for c in ana.cases(queue="billing", status="queued")]
    assert case.id in listed
    detail = ana.case(case.id)
    assert detail["customer"]["username"] == "itcarla" and detail["classification"]["reasons"]
    assert detail["sla"]["state"] == "running" and detail["thread"][0]["direction"] == "in"

    assert ana.claim(case.id)["assignee"] == "it-ana"
    with pytest.raises(ApiError) as collision:
        ben.claim(case.id)
    assert collision.value.status == 409 and collision.value.body["error"]["holder"] == "it-ana"
    assert case.id in [c["id"] for c in ana.cases(assignee="me")]
    assert ana.unclaim(case.id)["status"] == "queued"
    assert ben.claim(case.id)["assignee"] == "it-ben"
    assert ben.note(case.id, "<b>VIP</b> customer, <script>x()</script>")["text"].startswith("<b>VIP</b>")

    handed = ben.reassign(case.id, agent_id="it-ana", reason="ana knows this refund")
    assert handed["assignee"] == "it-ana"
    sent = ana.reply(case.id, "Hi Carla, the duplicate charge is refunded.")
    assert sent["status"] == "sent" and len(sent["x_ids"]) == 1
    (post,) = desk.brand_replies_under(case.message_ids[0])
    assert post["text"] == "Hi Carla, the duplicate charge is refunded." and post["id"] == sent["x_ids"][0]

    after = ana.case(case.id)
    assert (
        after["status"] == "pending_customer" and after["sla"]["state"] == "met" and after["sla_met"] is True
    )
    assert [m["direction"] for m in after["thread"]] == ["in", "note", "out"]
    assert after["thread"][1]["text"] == "<b>VIP</b> customer, <script>x()</script>"
    assert after["thread"][2]["delivery"]["status"] == "sent"

    resolved = ana.resolve(case.id, "refunded")
    assert resolved["status"] == "resolved"
    with pytest.raises(ApiError) as closed:
        ana.reply(case.id, "one more thing")
    assert closed.value.status == 409 and closed.value.code == "invalid_transition"
    assert ana.reopen(case.id, "customer wrote back")["status"] == "queued"
    moved = sue.reassign(case.id, queue="technical", reason="it was the app")
    assert moved["queue"] == "technical"
    corrections = [
        c for c in DynamoCorrectionLog(desk.table).corrections(desk.brand_id) if c.case_id == case.id
    ]
    assert [(c.kind, c.original_queue, c.corrected_queue) for c in corrections] == [
        ("agent", "billing", "billing"),
        ("queue", "billing", "technical"),
    ]
    assert (
        corrections[1].text.endswith("charged twice, refund please") and corrections[1].agent_id == "it-sue"
    )


def test_canned_responses_with_placeholders(desk: Desk) -> None:
    sue, ana = desk.client("it-sue"), desk.client("it-ana")
    sue.put_canned_response(
        "refund-sent", "Refund sent", "Hi {customer_name}, your refund {ref} is on its way."
    )
    assert any(r["id"] == "refund-sent" for r in ana.canned_responses())
    with pytest.raises(ApiError) as refused:
        ana.put_canned_response("mine", "Mine", "text")
    assert refused.value.status == 403
    case = desk.open_case(customer="itdora")
    ana.claim(case.id)
    sent = ana.reply(case.id, canned_response_id="refund-sent", variables={"ref": "R-1"})
    assert sent["text"] == "Hi Itdora, your refund R-1 is on its way."
    assert desk.call("it-sue", "DELETE", "/canned-responses/refund-sent").status_code == 204


# ---------------------------------------------------------------------------------------------- delivery


def test_a_long_reply_is_a_numbered_thread_under_the_customers_post(desk: Desk) -> None:
    ana = desk.client("it-ana")
    case = desk.open_case(customer="itemil")
    ana.claim(case.id)
    text = " ".join(
        f"Step {i}: see https://help.example.com/refunds/{i} for the form 🙏 返金の手続き."
        for i in range(1, 10)
    )
    sent = ana.reply(case.id, text)
    chain = desk.brand_replies_under(case.message_ids[0])
    assert [p["id"] for p in chain] == sent["x_ids"] and len(chain) == len(sent["parts"]) >= 3
    for i, post in enumerate(chain, 1):
        assert post["text"].endswith(f" {i}/{len(chain)}")
        assert weighted_length(post["text"]) <= 280


def test_a_retried_request_with_the_same_key_posts_exactly_once(desk: Desk) -> None:
    case = desk.open_case(customer="itfred")
    desk.client("it-ana").claim(case.id)
    key = {"Idempotency-Key": f"it-{uuid.uuid4()}", "Content-Type": "application/json"}
    body = json.dumps({"text": "Refund issued; it shows in 3 days."})
    # The first attempt's answer is lost (the client gives up at once); the request itself goes on.
    with pytest.raises(requests.exceptions.Timeout):
        requests.post(
            f"{desk.api}/cases/{case.id}/replies",
            data=body,
            headers={"Authorization": desk.tokens["it-ana"], **key},
            timeout=(5, 0.001),
        )
    statuses = []
    for _ in range(60):
        answer = desk.call("it-ana", "POST", f"/cases/{case.id}/replies", data=body, headers=key)
        statuses.append(answer.status_code)
        if answer.status_code != 409:  # 409 in_progress: the first attempt is still running
            break
        time.sleep(0.5)
    assert statuses[-1] == 201, statuses
    again = desk.call("it-ana", "POST", f"/cases/{case.id}/replies", data=body, headers=key)
    assert again.status_code == 201 and again.json() == answer.json()
    assert len(desk.brand_replies_under(case.message_ids[0])) == 1


def test_xs_reply_rule_and_closed_dms_are_clear_errors_shown_on_the_case(desk: Desk) -> None:
    ana = desk.client("it-ana")
    desk.customer("itgreta", accepts_dms=False)
    case = desk.open_case("just talking about the weather", customer="itgreta")  # no mention of the brand
    ana.claim(case.id)
    with pytest.raises(ApiError) as public:
        ana.reply(case.id, "Can we help?")
    assert public.value.status == 422 and public.value.code == "reply_not_allowed"
    assert f"@{HANDLE}" in public.value.message
    with pytest.raises(ApiError) as dm:
        ana.reply(case.id, "Can we help?", channel="dm")
    assert dm.value.status == 422 and dm.value.code == "dm_not_allowed"
    thread = ana.case(case.id)["thread"]
    assert [(m["direction"], m["delivery"]["status"]) for m in thread if m["direction"] == "out"] == [
        ("out", "failed"),
        ("out", "failed"),
    ]
    assert {m["delivery"]["error_code"] for m in thread if m["direction"] == "out"} == {
        "reply_not_allowed",
        "dm_not_allowed",
    }
    assert ana.case(case.id)["first_response_at"] is None
    assert desk.brand_replies_under(case.message_ids[0]) == []


def test_x_down_is_a_visible_failure_and_the_same_key_later_posts_once(desk: Desk) -> None:
    ana = desk.client("it-ana")
    case = desk.open_case(customer="ithana")
    ana.claim(case.id)
    key = {"Idempotency-Key": f"it-{uuid.uuid4()}", "Content-Type": "application/json"}
    body = json.dumps({"text": "We are looking into it."})
    desk.x.set_faults([{"match": "createPosts", "error_p": 1.0, "error_statuses": [503]}])
    try:
        down = desk.call("it-ana", "POST", f"/cases/{case.id}/replies", data=body, headers=key)
    finally:
        desk.x.clear_faults()
    assert down.status_code == 503, down.text
    assert down.json()["error"]["code"] == "x_unavailable" and down.headers["Retry-After"]
    shown = ana.case(case.id)["thread"][-1]["delivery"]
    assert shown["status"] == "failed" and shown["error_code"] == "x_unavailable" and shown["error"]
    retried = desk.call("it-ana", "POST", f"/cases/{case.id}/replies", data=body, headers=key)
    assert retried.status_code == 201, retried.text
    assert len(desk.brand_replies_under(case.message_ids[0])) == 1
    assert ana.case(case.id)["thread"][-1]["delivery"]["status"] == "sent"


# ---------------------------------------------------------------------------------------------- SLA


def test_the_first_reply_stops_the_clock_and_signals_the_waiting_workflow(desk: Desk) -> None:
    sqs = boto3.client("sqs")
    sfn = boto3.client("stepfunctions")
    queue_url = sqs.create_queue(QueueName=f"first-response-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    definition = {
        "StartAt": "WaitForFirstResponse",
        "States": {
            "WaitForFirstResponse": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": queue_url, "MessageBody": {"token.$": "$$.Task.Token"}},
                "TimeoutSeconds": 300,
                "End": True,
            }
        },
    }
    machine = sfn.create_state_machine(
        name=f"wait-{uuid.uuid4().hex[:8]}",
        definition=json.dumps(definition),
        roleArn="arn:aws:iam::123456789012:role/local",
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
    token = None
    for _ in range(120):  # the execution reaches its Task and sends the token
        messages = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages", [])
        if messages:
            token = json.loads(messages[0]["Body"])["token"]
            break
    assert token, "the waiting workflow never sent its task token"
    case = desk.open_case(customer="itivan", due_in=timedelta(minutes=15), first_response_task_token=token)
    ana = desk.client("it-ana")
    ana.claim(case.id)
    ana.reply(case.id, "Hi Ivan, on it.")
    for _ in range(120):
        described = sfn.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING":
            break
        time.sleep(0.5)
    assert described["status"] == "SUCCEEDED", described
    output = json.loads(described["output"])
    assert output["case_id"] == case.id and output["sla_met"] is True and output["agent_id"] == "it-ana"
    after = ana.case(case.id)
    assert after["first_response_at"] == output["first_response_at"].replace("+00:00", "Z")
    assert DynamoCaseStore(desk.table).get(case.id).first_response_task_token is None  # type: ignore[union-attr]


# ---------------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        (b'{"text": ', 422, "invalid_json"),
        (b'{"text": "hi", "extra": 1}', 422, "invalid_request"),
        (b'{"text": ["hi"]}', 422, "invalid_request"),
        (b'{"text": ""}', 422, "invalid_request"),
        (json.dumps({"text": "x" * 20_000}).encode(), 422, "invalid_request"),
        (b'{"text": "\\udc00"}', 422, "invalid_request"),
        (b'{"text": "\xc3\x28"}', 400, "invalid_encoding"),
    ],
)
def test_bad_input_over_http_is_a_json_4xx(desk: Desk, raw: bytes, status: int, code: str) -> None:
    case = desk.open_case(customer="itjudy")
    desk.client("it-ana").claim(case.id)
    answer = desk.call(
        "it-ana", "POST", f"/cases/{case.id}/replies", data=raw, headers={"Content-Type": "application/json"}
    )
    assert (answer.status_code, answer.json()["error"]["code"]) == (status, code), answer.text
    assert answer.json()["error"]["message"]
    unknown = desk.call("it-ana", "GET", f"/cases/{desk.brand_id}-t999")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"


# ---------------------------------------------------------------------------------------------- terminal


def test_the_terminal_client_works_a_case(desk: Desk, tmp_path: Path) -> None:
    case = desk.open_case(customer="itkurt")
    env = {"CAREBIRD_SESSION": str(tmp_path / "session.json")}
    login = carebird("agent", "login", "--id", "it-ben", "--password", PASSWORD, env=env)
    assert login.returncode == 0 and "signed in as it-ben" in login.stdout, login.stderr
    listed = carebird("cases", "--queue", "billing", env=env)
    assert listed.returncode == 0 and case.id in listed.stdout
    claimed = carebird("claim", case.id, env=env)
    assert claimed.returncode == 0 and f"claimed {case.id}" in claimed.stdout
    taken = carebird("claim", case.id, env={"CAREBIRD_TOKEN": desk.tokens["it-ana"]})
    assert taken.returncode == 1 and "claimed by it-ben" in taken.stderr
    replied = carebird("reply", case.id, "Thanks Kurt, fixed now.", env=env)
    assert replied.returncode == 0 and "sent public reply" in replied.stdout, replied.stderr
    shown = carebird("case", case.id, env=env)
    assert "Thanks Kurt, fixed now.  [sent" in shown.stdout and "first response: met" in shown.stdout
    assert len(desk.brand_replies_under(case.message_ids[0])) == 1
    mine = carebird("cases", "--mine", "--json", env=env)
    assert case.id in {c["id"] for c in json.loads(mine.stdout)}


# ---------------------------------------------------------------------------------------------- supervisors


def test_a_supervisor_reads_the_team_alarms_and_reports_over_http(desk: Desk) -> None:
    case = desk.open_case(customer="itrosa", due_in=timedelta(minutes=15))
    ana, sue = desk.client("it-ana"), desk.client("it-sue")
    ana.claim(case.id)
    ana.reply(case.id, "Hi Rosa, looking at it now.")
    assert desk.call("it-ana", "GET", "/team").status_code == 403
    assert desk.call("it-ana", "GET", "/reports/sla").status_code == 403

    team = sue.request("GET", "/team")
    mine = next(a for a in team["agents"] if a["agent_id"] == "it-ana")
    # The session's desk is shared: earlier tests leave it-ana holding other cases, claims included (a
    # claim may go past capacity: a person chose the case), so the load is checked against its own list.
    assert case.id in mine["case_ids"] and mine["open_cases"] == len(mine["case_ids"])
    assert mine["capacity"] == 5 and mine["current_case"] in mine["case_ids"]
    assert {q["queue"] for q in team["queues"]} >= {"billing", "bookings"}
    # DescribeAlarms answers locally too: moto's CloudWatch holds the stack evaluator's states.
    alarms = {a["name"]: a["state"] for a in sue.request("GET", "/alarms")["alarms"]}
    assert "carebird-SlaBreachAlarm" in alarms and set(alarms.values()) <= {
        "OK",
        "ALARM",
        "INSUFFICIENT_DATA",
    }

    sla = sue.request("GET", "/reports/sla", params={"queue": "billing"})
    assert sla["first_response"]["met"] >= 1 and sla["cost"]["queries"] == 1
    waits = sue.request("GET", "/reports/first-response")
    assert sum(p["responses"] for p in waits["priorities"]) >= 1
    as_csv = desk.call("it-sue", "GET", "/reports/volume", headers={"Accept": "text/csv"})
    assert as_csv.status_code == 200 and as_csv.text.splitlines()[0] == "hour,queue,cases"
    other = desk.call("it-sue", "GET", "/reports/sla", params={"brand": "1"})
    assert other.status_code == 404 and other.json()["error"]["code"] == "not_found"
    future = desk.call("it-sue", "GET", "/reports/sla", params={"to": "2999-01-01"})
    assert future.status_code == 422 and "future" in future.json()["error"]["message"]

    moved = sue.request("PUT", "/agents/it-ben/availability", json={"available": False})
    assert moved["available"] is False
    sue.request("PUT", "/agents/it-ben/availability", json={"available": True})


# ------------------------------------------------------------------ nothing closed unseen; like and follow


def test_a_restored_spam_closure_is_routed_and_kept_as_a_correction(desk: Desk) -> None:
    sue = desk.client("it-sue")
    closed = desk.open_case(
        f"@{HANDLE} win free crypto, and refund my double charge",
        queue="triage",
        skill="billing",
        status=CaseStatus.CLOSED,
        closed_reason="closed automatically: spam (confidence 0.93): spam: crypto (crypto)",
    )
    listed = sue.closed_automatically()
    assert closed.id in [c["id"] for c in listed]
    restored = sue.restore(closed.id, "a customer asking for a refund")
    assert (restored["status"], restored["queue"]) == ("queued", "billing")
    assert closed.id not in [c["id"] for c in sue.closed_automatically()]
    kept = [c for c in DynamoCorrectionLog(desk.table).corrections(desk.brand_id) if c.case_id == closed.id]
    assert [(c.kind, c.original_queue, c.corrected_queue) for c in kept] == [("restore", "triage", "billing")]
    assert kept[0].reason == "a customer asking for a refund"  # export-corrections writes it, kind restore


def test_an_agent_likes_praise_and_follows_a_customer_on_x(desk: Desk) -> None:
    ana = desk.client("it-ana")
    praise = desk.open_case(f"@{HANDLE} thank you, wonderful service!", customer="itfan")
    assert ana.like(praise.id)["post_id"] == praise.message_ids[0]
    assert desk.x.get_post(praise.message_ids[0])["public_metrics"]["like_count"] == 1
    asks = desk.open_case(f"@{HANDLE} charged twice, follow me so I can DM you", customer="itshy")
    followed = ana.follow(asks.id)
    assert followed["following"] is True and followed["username"] == "itshy"
    assert "itshy" in desk.x.following(HANDLE)
