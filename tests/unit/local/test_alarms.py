"""The local alarm evaluator: CloudWatch's documented decisions, compressed time, metric math, notices."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from carebird_ops.local.alarms import (
    ALARM,
    INSUFFICIENT_DATA,
    MOTO_INITIAL_REASON,
    OK,
    AlarmEvaluator,
    AlarmQuery,
    AlarmRule,
    MetricMath,
    UnsupportedAlarm,
    evaluate,
    evaluation_range,
    wall_period,
)

TREATMENTS = ("missing", "ignore", "breaching", "notBreaching")
KEEP = "keep"  # the alarm keeps the state it has


def series(pattern: str, period: int = 60) -> list[tuple[int, float | None]]:
    """'0 - X' as in CloudWatch's tables: 0 within the threshold, X breaching, - missing; oldest first."""
    values = {"0": 0.0, "X": 5.0, "-": None}
    return [(i * period, values[c]) for i, c in enumerate(pattern.split())]


def rule(m: int = 3, n: int = 3, missing: str = "missing", op: str = "GreaterThanThreshold") -> AlarmRule:
    return AlarmRule(op, 1.0, n, m, missing)


def state(pattern: str, r: AlarmRule) -> str:
    return evaluate(series(pattern), r).state or KEEP


# The two tables of "How alarm state is evaluated when data is missing" (CloudWatch User Guide): five
# datapoints retrieved for three evaluation periods; one column per TreatMissingData.
THREE_OF_THREE = [
    ("0 - X - X", "OK OK OK OK"),
    ("0 - - - -", "OK OK OK OK"),
    ("- - - - -", "INSUFFICIENT_DATA keep ALARM OK"),
    ("0 X X - X", "ALARM ALARM ALARM ALARM"),
    ("- - - - X", "INSUFFICIENT_DATA keep ALARM OK"),
    ("X - - - -", "ALARM keep ALARM OK"),
]
TWO_OF_THREE = [
    ("0 - X - X", "ALARM ALARM ALARM ALARM"),
    ("0 0 X 0 X", "ALARM ALARM ALARM ALARM"),
    ("0 - X - -", "OK OK ALARM OK"),
    ("- - - - 0", "OK OK ALARM OK"),
    ("- - - - X", "INSUFFICIENT_DATA keep ALARM OK"),
]


@pytest.mark.parametrize(("pattern", "expected"), THREE_OF_THREE)
def test_three_of_three_as_documented(pattern: str, expected: str) -> None:
    assert [state(pattern, rule(3, 3, t)) for t in TREATMENTS] == expected.split()


@pytest.mark.parametrize(("pattern", "expected"), TWO_OF_THREE)
def test_two_of_three_as_documented(pattern: str, expected: str) -> None:
    assert [state(pattern, rule(2, 3, t)) for t in TREATMENTS] == expected.split()


def test_m_of_n_counts_breaching_datapoints_that_need_not_be_consecutive() -> None:
    three_of_five = rule(3, 5, "notBreaching")
    assert state("- - X 0 X 0 X", three_of_five) == ALARM
    assert state("- - X 0 0 0 X", three_of_five) == OK
    assert state("X X X 0 0 0 0", three_of_five) == OK  # the old breaches have left the last five


def test_with_n_real_datapoints_the_most_recent_n_decide_and_missing_data_plays_no_part() -> None:
    # Seven periods retrieved, five real: the two missing ones are not filled, even as breaching.
    assert state("X - 0 0 - 0 0", rule(1, 4, "breaching")) == OK
    assert state("0 - X X - X X", rule(4, 4, "notBreaching")) == ALARM


@pytest.mark.parametrize(
    ("op", "breaching_values", "good_values"),
    [
        ("GreaterThanOrEqualToThreshold", [1.0, 2.5], [0.999, -1.0]),
        ("GreaterThanThreshold", [1.001, 9.0], [1.0, 0.0]),
        ("LessThanThreshold", [0.999, -3.0], [1.0, 2.0]),
        ("LessThanOrEqualToThreshold", [1.0, 0.0], [1.001, 5.0]),
    ],
)
def test_each_comparison_operator_at_and_around_the_threshold(
    op: str, breaching_values: list[float], good_values: list[float]
) -> None:
    r = rule(1, 1, "missing", op)
    assert all(r.breaches(v) for v in breaching_values)
    assert not any(r.breaches(v) for v in good_values)
    assert evaluate([(0, breaching_values[0])], r).state == ALARM
    assert evaluate([(0, good_values[0])], r).state == OK


def test_reasons_are_worded_like_cloudwatch() -> None:
    r = AlarmRule("GreaterThanOrEqualToThreshold", 1.0, 5, 3, "notBreaching")
    outcome = evaluate([(60 * i, v) for i, v in enumerate([None, None, 1.0, 0.0, 2.0, None, 3.0])], r)
    assert outcome.state == ALARM
    assert outcome.reason == (
        "Threshold Crossed: 3 out of the last 5 datapoints [3.0 (01/01/70 00:06:00), "
        "2.0 (01/01/70 00:04:00), 1.0 (01/01/70 00:02:00)] were greater than or equal to the threshold "
        "(1.0) and 1 missing datapoint was treated as [NonBreaching] (minimum 3 datapoints for OK -> ALARM "
        "transition)."
    )
    silent = evaluate(series("- - - - - - -"), AlarmRule("LessThanThreshold", 1.0, 5, 5, "breaching"))
    assert silent.reason == (
        "Threshold Crossed: no datapoints were received for 5 periods and 5 missing datapoints were "
        "treated as [Breaching]."
    )
    assert evaluate(series("- - -"), rule(1, 1)).reason == "Insufficient Data: 1 datapoint was unknown."
    ok = evaluate([(0, 0.0)], AlarmRule("GreaterThanThreshold", 70.0, 1, 1))
    assert ok.reason == (
        "Threshold Crossed: 1 out of the last 1 datapoints [0.0 (01/01/70 00:00:00)] was not greater than "
        "the threshold (70.0)."
    )


def test_an_alarm_definition_becomes_a_rule() -> None:
    alarm = {"ComparisonOperator": "LessThanThreshold", "Threshold": 1, "EvaluationPeriods": 5}
    assert AlarmRule.of(alarm) == AlarmRule("LessThanThreshold", 1.0, 5, 5, "missing")  # M defaults to N
    with pytest.raises(UnsupportedAlarm, match="anomaly"):
        AlarmRule.of({**alarm, "ComparisonOperator": "LessThanLowerOrGreaterThanUpperThreshold"})


# ------------------------------------------------------------------------------------ compressed time


@pytest.mark.parametrize(
    ("period", "scale", "seconds"),
    [(60, 1, 60), (60, 60, 1), (300, 60, 5), (3600, 60, 60), (60, 7, 9), (60, 600, 1), (10, 60, 1)],
)
def test_an_alarm_period_lasts_period_over_scale_seconds_never_under_one(
    period: int, scale: float, seconds: int
) -> None:
    assert wall_period(period, scale) == seconds


def test_the_evaluation_range_is_whole_periods_that_have_ended() -> None:
    assert evaluation_range(1000.7, 5, 3) == [985, 990, 995]
    assert evaluation_range(1000.0, 1, 2) == [998, 999]


# ------------------------------------------------------------------------------------ metric math

A = {60: 1.0, 120: 2.0, 180: 6.0}
B = {60: 4.0, 180: 2.0, 240: 0.0}
SLOTS = [0, 60, 120, 180, 240]


def math(expression: str, **metrics: dict[int, float]) -> dict[int, float]:
    return MetricMath(metrics or {"a": A, "b": B}, {"e": expression}, SLOTS).series("e")


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # A missing value counts as 0; a timestamp with no value in either series stays missing.
        ("a + b", {60: 5.0, 120: 2.0, 180: 8.0, 240: 0.0}),
        ("a - b", {60: -3.0, 120: 2.0, 180: 4.0, 240: 0.0}),
        ("a * b", {60: 4.0, 120: 0.0, 180: 12.0, 240: 0.0}),
        ("a / b", {60: 0.25, 180: 3.0}),  # dividing by zero (or by a missing value) drops the datapoint
        ("SUM([a, b])", {60: 5.0, 120: 2.0, 180: 8.0, 240: 0.0}),
        ("SUM(METRICS())", {60: 5.0, 120: 2.0, 180: 8.0, 240: 0.0}),
        ("AVG([a, b])", {60: 2.5, 120: 1.0, 180: 4.0, 240: 0.0}),
        ("MAX([a, b])", {60: 4.0, 120: 2.0, 180: 6.0, 240: 0.0}),
        ("100 * a / 4 - 1", {60: 24.0, 120: 49.0, 180: 149.0}),
        ("a ^ 2 + 1", {60: 2.0, 120: 5.0, 180: 37.0}),  # ^ binds tighter than +, as in metric math
        ("-a", {60: -1.0, 120: -2.0, 180: -6.0}),
        ("a - AVG(a)", {60: -2.0, 120: -1.0, 180: 3.0}),
        ("FILL(a, 0)", {0: 0.0, 60: 1.0, 120: 2.0, 180: 6.0, 240: 0.0}),
        ("ABS(b - a)", {60: 3.0, 120: 2.0, 180: 4.0, 240: 0.0}),
    ],
)
def test_metric_math(expression: str, expected: dict[int, float]) -> None:
    assert math(expression) == expected


def test_expressions_can_use_other_expressions() -> None:
    m = MetricMath({"a": A, "b": B}, {"total": "a + b", "rate": "total / 2"}, SLOTS)
    assert m.series("rate") == {60: 2.5, 120: 1.0, 180: 4.0, 240: 0.0}


@pytest.mark.parametrize(
    "expression", ["IF(a > 1, a, 0)", "ANOMALY_DETECTION_BAND(a)", "AVG(a)", "[a, b]", "a > b", "x + 1"]
)
def test_what_cannot_be_computed_locally_says_so(expression: str) -> None:
    with pytest.raises(UnsupportedAlarm):
        math(expression)


def test_an_expression_that_refers_to_itself_is_refused() -> None:
    with pytest.raises(UnsupportedAlarm, match="itself"):
        MetricMath({"a": A}, {"e": "f + 1", "f": "e * 2"}, SLOTS).series("e")


def test_percentile_alarms_are_not_evaluated_locally() -> None:
    alarm = {"Namespace": "n", "MetricName": "m", "ExtendedStatistic": "p99", "Period": 60}
    with pytest.raises(UnsupportedAlarm, match="percentiles"):
        AlarmQuery.of(alarm)
    metric_math = {
        "Metrics": [
            {"Id": "m", "MetricStat": {"Metric": {}, "Period": 60, "Stat": "p90"}, "ReturnData": True}
        ]
    }
    with pytest.raises(UnsupportedAlarm, match="p90"):
        AlarmQuery.of(metric_math)


# ------------------------------------------------------------------------------------ the evaluator


class FakeCloudWatch:
    """describe_alarms, get_metric_data (binned from StartTime, as moto does) and set_alarm_state."""

    def __init__(self) -> None:
        self.alarms: dict[str, dict[str, Any]] = {}
        self.data: list[tuple[str, str, list[dict[str, str]], float, float]] = []
        self.queries: list[dict[str, Any]] = []

    def put_alarm(self, **alarm: Any) -> None:
        self.alarms[alarm["AlarmName"]] = {
            "AlarmArn": f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:{alarm['AlarmName']}",
            "ActionsEnabled": True,
            "OKActions": [],
            "AlarmActions": [],
            "InsufficientDataActions": [],
            "StateValue": OK,
            "StateReason": MOTO_INITIAL_REASON,
            "AlarmConfigurationUpdatedTimestamp": datetime(2026, 1, 1, tzinfo=UTC),
            **alarm,
        }

    def put(
        self, namespace: str, name: str, dimensions: list[dict[str, str]], at: float, value: float
    ) -> None:
        self.data.append((namespace, name, dimensions, at, value))

    def describe_alarms(self, **_: Any) -> dict[str, Any]:
        return {"MetricAlarms": copy.deepcopy(list(self.alarms.values()))}

    def set_alarm_state(
        self, AlarmName: str, StateValue: str, StateReason: str, StateReasonData: str
    ) -> None:
        json.loads(StateReasonData)
        self.alarms[AlarmName].update(StateValue=StateValue, StateReason=StateReason)

    def get_metric_data(
        self, MetricDataQueries: list[dict[str, Any]], StartTime: datetime, EndTime: datetime, **_: Any
    ) -> dict[str, Any]:
        self.queries += MetricDataQueries
        results = []
        for q in MetricDataQueries:
            stat = q["MetricStat"]
            metric, period = stat["Metric"], stat["Period"]
            start, end = StartTime.timestamp(), EndTime.timestamp()
            timestamps, values = [], []
            while start < end:
                found = [
                    v
                    for ns, name, dims, at, v in self.data
                    if (ns, name) == (metric["Namespace"], metric["MetricName"])
                    and dims == metric.get("Dimensions", [])
                    and start <= at < start + period
                ]
                if found:
                    timestamps.append(datetime.fromtimestamp(start, UTC))
                    values.append({"Sum": sum, "Maximum": max, "SampleCount": len}[stat["Stat"]](found))
                start += period
            results.append({"Id": q["Id"], "Timestamps": timestamps, "Values": values})
        return {"MetricDataResults": results}


class FakeSns:
    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []

    def publish(self, TopicArn: str, Subject: str, Message: str) -> None:
        self.published.append({"TopicArn": TopicArn, "Subject": Subject, "Message": json.loads(Message)})


TOPIC = "arn:aws:sns:us-east-1:123456789012:carebird-AlarmTopic"
POLL = [{"Name": "service", "Value": "poll"}]
T0 = 1_800_000_000.0  # a multiple of 60 s: periods at scale 60 start on whole seconds


@pytest.fixture
def cloudwatch() -> FakeCloudWatch:
    cw = FakeCloudWatch()
    cw.put_alarm(
        AlarmName="carebird-PollErrorsAlarm",
        AlarmDescription="Polling X failed in 3 of the last 5 minutes (metric PollErrors).",
        Namespace="carebird",
        MetricName="PollErrors",
        Dimensions=POLL,
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=5,
        DatapointsToAlarm=3,
        Threshold=1.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        TreatMissingData="notBreaching",
        AlarmActions=[TOPIC],
        OKActions=[TOPIC],
    )
    return cw


def test_at_scale_60_each_minute_of_the_alarm_is_a_second_and_changes_are_published(
    cloudwatch: FakeCloudWatch,
) -> None:
    sns = FakeSns()
    evaluator = AlarmEvaluator("http://unused", "us-east-1", time_scale=60, cloudwatch=cloudwatch, sns=sns)
    assert evaluator.interval == 1.0

    # A new alarm starts as CloudWatch's do, INSUFFICIENT_DATA, and with no errors goes to OK.
    assert [(c.old_state, c.new_state) for c in evaluator.evaluate_once(T0)] == [(INSUFFICIENT_DATA, OK)]
    assert sns.published[-1]["Subject"] == 'OK: "carebird-PollErrorsAlarm" in US East (N. Virginia)'

    # Errors in three of the last five one-second periods: ALARM.
    for second in (1.2, 2.5, 4.9):
        cloudwatch.put("carebird", "PollErrors", POLL, T0 + second, 1.0)
    assert evaluator.evaluate_once(T0 + 4.5) == []  # the third error's period has not ended yet
    [change] = evaluator.evaluate_once(T0 + 5.0)
    assert (change.old_state, change.new_state) == (OK, ALARM)
    assert change.reason.startswith("Threshold Crossed: 3 out of the last 5 datapoints [1.0 (")
    assert all(q["MetricStat"]["Period"] == 1 for q in cloudwatch.queries)  # 60 s at scale 60

    published = sns.published[-1]
    assert published["TopicArn"] == TOPIC
    assert published["Subject"] == 'ALARM: "carebird-PollErrorsAlarm" in US East (N. Virginia)'
    message = published["Message"]
    assert message["NewStateValue"] == ALARM and message["OldStateValue"] == OK
    assert message["NewStateReason"] == change.reason
    assert message["AlarmDescription"].startswith("Polling X failed")
    assert message["Region"] == "US East (N. Virginia)"
    assert message["StateChangeTime"] == "2027-01-15T08:00:05.000+0000"
    assert message["Trigger"] == {
        "MetricName": "PollErrors",
        "Namespace": "carebird",
        "StatisticType": "Statistic",
        "Statistic": "SUM",
        "Unit": None,
        "Dimensions": [{"value": "poll", "name": "service"}],
        "Period": 60,  # as declared: the compression is the local stack's business
        "EvaluationPeriods": 5,
        "DatapointsToAlarm": 3,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Threshold": 1.0,
        "TreatMissingData": "notBreaching",
        "EvaluateLowSampleCountPercentile": "",
    }

    # Nothing changes, nothing is sent; once the errors are older than the range, OK again.
    assert evaluator.evaluate_once(T0 + 6.0) == []
    assert len(sns.published) == 2
    [back] = evaluator.evaluate_once(T0 + 9.0)
    assert (back.old_state, back.new_state) == (ALARM, OK)
    assert sns.published[-1]["Message"]["OldStateValue"] == ALARM
    assert cloudwatch.alarms["carebird-PollErrorsAlarm"]["StateValue"] == OK


def test_metric_math_alarm_on_the_local_stack(cloudwatch: FakeCloudWatch) -> None:
    cloudwatch.alarms.clear()
    machine = [{"Name": "StateMachineArn", "Value": "arn:aws:states:us-east-1:123456789012:stateMachine:t"}]

    def stat(name: str) -> dict[str, Any]:
        metric = {"Namespace": "AWS/States", "MetricName": name, "Dimensions": machine}
        return {"Metric": metric, "Period": 60, "Stat": "Sum"}

    cloudwatch.put_alarm(
        AlarmName="carebird-TriageFailuresAlarm",
        Metrics=[
            {"Id": "failed", "MetricStat": stat("ExecutionsFailed"), "ReturnData": False},
            {"Id": "timedout", "MetricStat": stat("ExecutionsTimedOut"), "ReturnData": False},
            {"Id": "total", "Expression": "failed + timedout", "Label": "Failed", "ReturnData": True},
        ],
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        TreatMissingData="notBreaching",
        AlarmActions=[TOPIC],
    )
    sns = FakeSns()
    evaluator = AlarmEvaluator("http://unused", "us-east-1", time_scale=60, cloudwatch=cloudwatch, sns=sns)
    assert evaluator.evaluate_once(T0)[0].new_state == OK
    cloudwatch.put("AWS/States", "ExecutionsTimedOut", machine, T0 + 0.5, 1.0)
    [change] = evaluator.evaluate_once(T0 + 1.0)
    assert change.new_state == ALARM
    trigger = sns.published[-1]["Message"]["Trigger"]
    assert [q["Id"] for q in trigger["Metrics"]] == ["failed", "timedout", "total"]
    assert trigger["Metrics"][2]["Expression"] == "failed + timedout"
    assert trigger["Period"] == 60


def test_an_alarm_that_cannot_be_computed_locally_says_why_and_notifies_no_one(
    cloudwatch: FakeCloudWatch,
) -> None:
    cloudwatch.alarms["carebird-PollErrorsAlarm"].update(Statistic=None, ExtendedStatistic="p99")
    sns = FakeSns()
    evaluator = AlarmEvaluator("http://unused", "us-east-1", time_scale=60, cloudwatch=cloudwatch, sns=sns)
    assert evaluator.evaluate_once(T0) == []
    alarm = cloudwatch.alarms["carebird-PollErrorsAlarm"]
    assert alarm["StateValue"] == INSUFFICIENT_DATA
    assert alarm["StateReason"].startswith("Not evaluated locally: statistic p99")
    assert sns.published == []


def test_disabled_actions_change_the_state_but_send_nothing(cloudwatch: FakeCloudWatch) -> None:
    cloudwatch.alarms["carebird-PollErrorsAlarm"]["ActionsEnabled"] = False
    sns = FakeSns()
    evaluator = AlarmEvaluator("http://unused", "us-east-1", time_scale=60, cloudwatch=cloudwatch, sns=sns)
    assert evaluator.evaluate_once(T0)[0].new_state == OK
    assert sns.published == []


def test_time_scale_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        AlarmEvaluator("http://unused", "us-east-1", time_scale=0)
