"""The demo's last act: a customer nobody answers breaches the SLA and fires the alarm (which clears), and
the resolved customers are surveyed by DM and answer, one of them badly enough to reopen the case.

Everything is observed from the outside, as an operator would: the alarm topic's notifications through
an SQS subscription, cases and surveys from the product's table, messages on the X emulator.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from carebird.reports import figures
from carebird.reports.figures import histogram_quantile
from carebird.reports.tallies import OVER
from carebird_ops.agent_auth import sign_in
from carebird_ops.agent_client import AgentApiClient
from carebird_ops.local.endpoints import StackEndpoints
from carebird_ops.xemu.client import EmulatorClient

IGNORED = (
    "hana",
    "@AcmeHelp my flight was cancelled, I was charged twice and I'm stranded at the gate. HELP",
)
# (agent who resolves, customer, the customer's answer to the survey)
RESOLUTIONS = (
    ("ana", "alice", "5 ⭐ thank you!"),
    ("ana", "carla", "cuatro, gracias"),
    ("chen", "frank", "1. the app still crashes, this is useless"),
)


class AftercareError(RuntimeError):
    pass


@dataclass
class Aftercare:
    alarms: list[tuple[str, str]] = field(default_factory=list)  # (alarm, new state) as notified
    breached_case: str | None = None
    surveys: list[dict[str, Any]] = field(default_factory=list)
    reopened: list[str] = field(default_factory=list)
    surveys_sent: int = 0


def _client(endpoints: StackEndpoints, service: str) -> Any:
    return boto3.client(  # type: ignore[call-overload]
        service, endpoint_url=endpoints.aws, region_name=endpoints.region,
        aws_access_key_id="local", aws_secret_access_key="local",
    )  # fmt: skip


def _wait(what: str, timeout: float, check: Callable[[], Any]) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AftercareError(f"gave up after {timeout:.0f} s waiting for {what}")


class AlarmWatch:
    """An SQS queue subscribed to the alarm topic: every notification CloudWatch (here: the local
    evaluator) sends, as an on-call engineer's pager would receive it."""

    def __init__(self, endpoints: StackEndpoints) -> None:
        self._sqs = _client(endpoints, "sqs")
        self._url = self._sqs.create_queue(QueueName="demo-pager")["QueueUrl"]
        arn = self._sqs.get_queue_attributes(QueueUrl=self._url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        _client(endpoints, "sns").subscribe(
            TopicArn=endpoints.resources["AlarmTopic"], Protocol="sqs", Endpoint=arn,
            Attributes={"RawMessageDelivery": "true"},
        )  # fmt: skip
        self.seen: list[tuple[str, str]] = []

    def drain(self) -> list[tuple[str, str]]:
        while True:
            batch = self._sqs.receive_message(QueueUrl=self._url, MaxNumberOfMessages=10).get("Messages", [])
            if not batch:
                return self.seen
            for message in batch:
                body = json.loads(message["Body"])
                if "Message" in body and "AlarmName" not in body:  # not raw: the SNS envelope
                    body = json.loads(body["Message"])
                self.seen.append((body["AlarmName"], body["NewStateValue"]))
                self._sqs.delete_message(QueueUrl=self._url, ReceiptHandle=message["ReceiptHandle"])


def run_aftercare(
    endpoints: StackEndpoints,
    brand_id: str,
    brand_handle: str,
    passwords: dict[str, str],
    pager: AlarmWatch,
    say: Callable[[str], None],
) -> Aftercare:
    from carebird.storage.cases import DynamoCaseStore
    from carebird.storage.surveys import DynamoSurveyStore

    table = endpoints.resources["CarebirdTable"]
    cases = DynamoCaseStore(table)
    surveys = DynamoSurveyStore(table)
    x = EmulatorClient(endpoints.x_api)
    result = Aftercare()
    sla_alarm = endpoints.resources["SlaBreachAlarm"]

    # 1. A customer nobody answers.
    author, text = IGNORED
    x.ensure_user(author, followers=120)
    post = x.post(author, text)
    case_id = f"{brand_id}-t{post['id']}"
    say(f"  @{author:<6} {text}   (nobody will answer)")
    breached = _wait(
        "the ignored case to breach its SLA",
        180,
        lambda: (
            (c := cases.get(case_id)) is not None and any(d.kind == "sla_breach" for d in c.decisions) and c
        ),
    )
    result.breached_case = case_id
    say(f"  SLA breached: {next(d.reason for d in breached.decisions if d.kind == 'sla_breach')}")
    _wait("the SLA breach alarm to go to ALARM", 60, lambda: (sla_alarm, "ALARM") in pager.drain())
    say(f"  alarm {sla_alarm}: ALARM (notified on the alarm topic)")
    _wait("the SLA breach alarm to clear", 60, lambda: (sla_alarm, "OK") in pager.drain())
    say(f"  alarm {sla_alarm}: back to OK once a period passes without a breach")

    # 2. Resolutions, surveys by DM, and the customers' answers.
    client_id = endpoints.resources["AgentUserPoolClient"]
    agents = {
        agent: AgentApiClient(
            endpoints.agent_api, sign_in(client_id, agent, passwords[agent], endpoints.agent_api).id_token
        )
        for agent in {agent for agent, _, _ in RESOLUTIONS}
    }
    resolved: list[tuple[str, str, str]] = []
    for agent, customer, answer in RESOLUTIONS:
        mine = [c for c in agents[agent].cases(assignee="me") if c["customer"]["username"] == customer]
        if not mine:
            say(f"  {agent:<5} has no open case of @{customer} to resolve")
            continue
        agents[agent].resolve(mine[0]["id"], "answered and fixed")
        resolved.append((mine[0]["id"], customer, answer))
        say(f"  {agent:<5} resolves @{customer}'s case")

    def sent(case_id: str) -> bool:
        survey = surveys.get(case_id)
        return survey is not None and survey.sent_at is not None

    def reopened(case_id: str) -> bool:
        case = cases.get(case_id)
        return case is not None and case.status.is_open

    def answered(case_id: str) -> Any:
        survey = surveys.get(case_id)
        return survey if survey is not None and survey.score is not None else None

    for case, customer, answer in resolved:
        _wait(f"the survey of @{customer}", 60, lambda c=case: sent(c))  # type: ignore[misc]
        result.surveys_sent += 1
        x.dm(customer, brand_handle, answer)
        say(f"  survey sent to @{customer} by DM; they answer: {answer!r}")
    for case, customer, _ in resolved:
        survey = _wait(f"@{customer}'s answer to be read", 90, lambda c=case: answered(c))  # type: ignore[misc]
        result.surveys.append({"case_id": case, "customer": customer, "score": survey.score})
        if survey.score is not None and survey.score <= 2:  # the reopen is written just after the score
            _wait(f"@{customer}'s case to reopen", 30, lambda c=case: reopened(c))  # type: ignore[misc]
        after = cases.get(case)
        if after is not None and after.status.is_open:
            result.reopened.append(case)
            say(f"  @{customer} rated {survey.score}/5: the case is reopened to {after.queue}")
        else:
            say(f"  @{customer} rated {survey.score}/5")
    result.alarms = list(pager.drain())
    return result


def report_fields(supervisor: AgentApiClient, aftercare: Aftercare) -> dict[str, Any]:
    """The demo report's SLA and satisfaction figures, from the agent API's report routes (the figures the
    supervisor's view shows, defined once in carebird.reports), over yesterday and today (UTC)."""
    today = datetime.now(UTC).date()
    span = {"from": (today - timedelta(days=1)).isoformat(), "to": today.isoformat()}
    first = supervisor.request("GET", "/reports/first-response", params=span)
    sla = supervisor.request("GET", "/reports/sla", params=span)
    csat = supervisor.request("GET", "/reports/csat", params=span)
    reopened = supervisor.request("GET", "/reports/reopened", params=span)
    buckets: dict[int, int] = {}
    waited = 0.0
    for priority in first["priorities"]:
        for bucket in priority["buckets"]:
            bound = bucket["le_seconds"] if bucket["le_seconds"] is not None else OVER
            buckets[bound] = buckets.get(bound, 0) + bucket["count"]
        waited += (priority["average_seconds"] or 0) * priority["responses"]
    cost = [r["cost"] for r in (first, sla, csat, reopened)]
    return {
        "first_responses": first["responses"],
        "first_response_avg_s": figures.average(waited, first["responses"]),
        "first_response_p50_at_most_s": histogram_quantile(buckets, 0.5),
        "first_response_p90_at_most_s": histogram_quantile(buckets, 0.9),
        "sla_met_pct": sla["all_clocks"]["met_pct"],
        "sla_met": sla["all_clocks"]["met"],
        "sla_breaches": sla["all_clocks"]["missed"],  # a breach is the miss: each clock's verdict, once
        "sla_by_clock": {clock: sla[clock] for clock in ("first_response", "next_response", "resolution")},
        "alarms_fired": sum(1 for _, state in aftercare.alarms if state == "ALARM"),
        "surveys_sent": aftercare.surveys_sent,
        "surveys_answered": csat["answers"],
        "csat_avg": csat["average"],
        "csat_distribution": csat["distribution"],
        "reopened_after_low_score": reopened["reopened_after_low_score"],
        "report_read_units": round(sum(c["read_units"] for c in cost), 2),
        "report_items_read": sum(c["items"] for c in cost),
    }
