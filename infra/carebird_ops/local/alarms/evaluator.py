"""The evaluator: a daemon thread that evaluates every metric alarm of the local CloudWatch on a schedule,
sets the states it decides and publishes the notifications."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from carebird_ops.local.alarms.decision import (
    ALARM,
    INSUFFICIENT_DATA,
    OK,
    AlarmRule,
    Outcome,
    UnsupportedAlarm,
    evaluate,
)
from carebird_ops.local.alarms.metric_math import MetricMath, Series
from carebird_ops.local.alarms.notifications import iso, notification
from carebird_ops.local.alarms.query import EXTRA_PERIODS, AlarmQuery, evaluation_range, wall_period

MOTO_INITIAL_REASON = "Unchecked: Initial alarm creation"
NOT_EVALUATED = "Not evaluated locally: "


class Transition(NamedTuple):
    alarm_name: str
    old_state: str
    new_state: str
    reason: str


class AlarmEvaluator:
    """Evaluates every metric alarm of the local CloudWatch each `interval` seconds, in a daemon thread.

    `cloudwatch` and `sns` default to clients for `endpoint_url`; tests pass fakes.
    """

    def __init__(
        self,
        endpoint_url: str,
        region: str,
        time_scale: float = 1.0,
        interval: float | None = None,
        *,
        cloudwatch: Any = None,
        sns: Any = None,
    ) -> None:
        if time_scale <= 0:
            raise ValueError("time scale must be positive")
        self.endpoint_url = endpoint_url
        self.region = region
        self.time_scale = time_scale
        self.interval = interval if interval is not None else min(60.0, max(0.5, 60.0 / time_scale))
        self._cloudwatch = cloudwatch
        self._sns = sns
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="alarm-evaluator", daemon=True)
        self._reported: dict[str, str] = {}  # alarm name -> the last problem printed for it
        self.evaluations = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.evaluate_once()
            except (BotoCoreError, ClientError) as exc:
                self._report("*", f"alarms not evaluated: {exc}")
            self._stop.wait(self.interval)

    def evaluate_once(self, now: float | None = None) -> list[Transition]:
        """Evaluate every metric alarm as of `now` (epoch seconds); return the state changes made."""
        now = time.time() if now is None else now
        changes = []
        for alarm in self._alarms():
            try:
                change = self._evaluate(alarm, now)
            except Exception as exc:  # one alarm that cannot be evaluated must not stop the others
                self._report(alarm["AlarmName"], f"alarm {alarm['AlarmName']} not evaluated: {exc!r}")
                continue
            if change is not None:
                changes.append(change)
        self.evaluations += 1
        return changes

    # ------------------------------------------------------------------ one alarm
    def _evaluate(self, alarm: dict[str, Any], now: float) -> Transition | None:
        name = alarm["AlarmName"]
        current = alarm["StateValue"]
        if current == OK and alarm.get("StateReason") == MOTO_INITIAL_REASON:
            # moto creates alarms in OK; CloudWatch creates them in INSUFFICIENT_DATA, silently.
            self._set_state(name, INSUFFICIENT_DATA, MOTO_INITIAL_REASON, {})
            current = INSUFFICIENT_DATA
        try:
            rule = AlarmRule.of(alarm)
            query = AlarmQuery.of(alarm)
            period = wall_period(query.period, self.time_scale)
            slots = evaluation_range(now, period, rule.evaluation_periods + EXTRA_PERIODS)
            series = self._series(query, slots, period)
        except UnsupportedAlarm as exc:
            reason = f"{NOT_EVALUATED}{exc}."
            if current != INSUFFICIENT_DATA:
                return self._change(alarm, current, INSUFFICIENT_DATA, reason, {}, now)
            if alarm.get("StateReason") != reason:
                self._set_state(name, INSUFFICIENT_DATA, reason, {})  # say why, once; no state change
            return None
        outcome = evaluate([(slot, series.get(slot)) for slot in slots], rule)
        if outcome.state is None or outcome.state == current:
            return None
        data = _reason_data(alarm, query, rule, slots, series, outcome, now)
        return self._change(alarm, current, outcome.state, outcome.reason, data, now)

    def _series(self, query: AlarmQuery, slots: list[int], period: int) -> Series:
        start = datetime.fromtimestamp(slots[0], UTC)
        end = datetime.fromtimestamp(slots[-1] + period, UTC)
        queries = [
            {"Id": qid, "MetricStat": {**stat, "Period": period}, "ReturnData": True}
            for qid, stat in query.metrics.items()
        ]
        response = self._cw().get_metric_data(
            MetricDataQueries=queries, StartTime=start, EndTime=end, ScanBy="TimestampAscending"
        )
        metrics: dict[str, Series] = {qid: {} for qid in query.metrics}
        for result in response.get("MetricDataResults", []):
            for timestamp, value in zip(result.get("Timestamps", []), result.get("Values", []), strict=False):
                metrics[result["Id"]][int(timestamp.timestamp())] = float(value)
        if not query.expressions:
            return metrics[query.result_id]
        return MetricMath(metrics, query.expressions, slots).series(query.result_id)

    def _change(
        self, alarm: dict[str, Any], old: str, new: str, reason: str, data: dict[str, Any], now: float
    ) -> Transition:
        name = alarm["AlarmName"]
        self._set_state(name, new, reason, data)
        print(f"local stack: alarm {name}: {old} -> {new}: {reason}", flush=True)
        if alarm.get("ActionsEnabled", True):
            actions = {
                ALARM: "AlarmActions",
                OK: "OKActions",
                INSUFFICIENT_DATA: "InsufficientDataActions",
            }[new]
            subject, message = notification(
                alarm, old, new, reason, datetime.fromtimestamp(now, UTC), self.region
            )
            for arn in alarm.get(actions, []):
                self._notify(name, arn, subject, message)
        return Transition(name, old, new, reason)

    def _notify(self, alarm_name: str, arn: str, subject: str, message: dict[str, Any]) -> None:
        if not arn.startswith("arn:aws:sns:"):
            self._report(alarm_name, f"alarm {alarm_name}: action {arn} is not performed locally")
            return
        try:
            self._sns_client().publish(TopicArn=arn, Subject=subject, Message=json.dumps(message))
        except (BotoCoreError, ClientError) as exc:
            # CloudWatch does not validate actions either; the state change stands.
            self._report(alarm_name, f"alarm {alarm_name}: notification to {arn} failed: {exc}")

    def _set_state(self, name: str, state: str, reason: str, data: dict[str, Any]) -> None:
        self._cw().set_alarm_state(
            AlarmName=name, StateValue=state, StateReason=reason[:1023], StateReasonData=json.dumps(data)
        )

    # ------------------------------------------------------------------ plumbing
    def _alarms(self) -> list[dict[str, Any]]:
        alarms: list[dict[str, Any]] = []
        token = None
        while True:
            page = self._cw().describe_alarms(**({"NextToken": token} if token else {}))
            alarms += page.get("MetricAlarms", [])
            token = page.get("NextToken")
            if not token:
                return alarms

    def _cw(self) -> Any:
        if self._cloudwatch is None:
            self._cloudwatch = self._client("cloudwatch")
        return self._cloudwatch

    def _sns_client(self) -> Any:
        if self._sns is None:
            self._sns = self._client("sns")
        return self._sns

    def _client(self, service: str) -> Any:
        session = boto3.session.Session(
            aws_access_key_id="local", aws_secret_access_key="local", region_name=self.region
        )
        return session.client(service, endpoint_url=self.endpoint_url)  # type: ignore[call-overload]

    def _report(self, key: str, problem: str) -> None:
        # Once per distinct problem: the evaluator runs every second at scale 60.
        if self._reported.get(key) != problem:
            self._reported[key] = problem
            print(f"local stack: {problem}", flush=True)


def _reason_data(
    alarm: Mapping[str, Any],
    query: AlarmQuery,
    rule: AlarmRule,
    slots: Sequence[int],
    series: Series,
    outcome: Outcome,
    now: float,
) -> dict[str, Any]:
    """StateReasonData as CloudWatch writes it, with the wall-clock periods that were evaluated."""
    evaluated = [
        {"timestamp": iso(datetime.fromtimestamp(p.start, UTC)), "value": p.value} for p in outcome.evaluated
    ]
    data: dict[str, Any] = {
        "version": "1.0",
        "queryDate": iso(datetime.fromtimestamp(now, UTC)),
        "startDate": iso(datetime.fromtimestamp(slots[0], UTC)),
        "period": query.period,
        "recentDatapoints": [series[s] for s in slots if s in series],
        "threshold": rule.threshold,
        "evaluatedDatapoints": list(reversed(evaluated)),
    }
    if query.statistic:
        data["statistic"] = query.statistic
    if alarm.get("Unit"):
        data["unit"] = alarm["Unit"]
    return data
