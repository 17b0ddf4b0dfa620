"""Evaluates the template's CloudWatch alarms in the local stack, which moto stores but never evaluates.

On AWS, CloudWatch evaluates every metric alarm on a schedule, moves it between OK, ALARM and
INSUFFICIENT_DATA, and notifies the alarm's SNS actions. moto keeps alarms and metric data and does none
of that, so this evaluator does it, driven only by what `describe_alarms` returns: an alarm added to
template.yaml (or created by a test with `put_metric_alarm`) is evaluated with no change here.

Each evaluation of an alarm:
1. reads the alarm's datapoints over its *evaluation range*, the last N + 2 periods (N is
   EvaluationPeriods). CloudWatch documents that it retrieves "a higher number of data points than
   specified by Evaluation Periods" without giving the number; its worked example retrieves 5 for N = 3,
   which is what N + 2 gives. Only whole periods that have ended are read;
2. decides the state as CloudWatch documents it ("How alarm state is evaluated when data is missing",
   CloudWatch User Guide): with at least N real datapoints in the range, the most recent N decide and
   TreatMissingData plays no part; with fewer, `breaching` / `notBreaching` fill the shortfall with
   breaching / good datapoints; `missing` and `ignore` fill nothing: an alarm with no datapoint at all
   goes to INSUFFICIENT_DATA (`missing`) or keeps its state (`ignore`), one with a good datapoint goes to
   OK, and one whose datapoints all breach, but fewer than DatapointsToAlarm (M) of them, goes to ALARM
   only if the oldest of them is at least M periods old ("avoiding premature transitions"; `ignore`
   keeps its state instead), else to INSUFFICIENT_DATA (`missing`) or keeps its state (`ignore`).
   `evaluate` is that decision as a pure function; the unit tests check it against every row of the
   documentation's two example tables;
3. on a change of state, calls `set_alarm_state` with a reason worded like CloudWatch's ("Threshold
   Crossed: 3 out of the last 5 datapoints [...] were greater than or equal to the threshold (1.0) ...")
   and, if ActionsEnabled, publishes CloudWatch's JSON notification to each SNS topic of AlarmActions,
   OKActions or InsufficientDataActions, with CloudWatch's subject (`ALARM: "name" in US East (N.
   Virginia)`). Other kinds of actions (Auto Scaling, EC2, Lambda) are not performed locally.

Time compression. The stack's `--time-scale` (the one the scheduler uses) also compresses alarms: an
alarm period of P seconds lasts round(P / time_scale) seconds of wall time, and never less than one
second, so at scale 60 a 60 s period is 1 s and IngestionSilentAlarm's five minutes are 5 s. Periods are
aligned to multiples of that wall period since the epoch, and each is one datapoint, aggregated from the
raw metric data with the alarm's statistic, exactly as CloudWatch aggregates a period. The evaluator
runs every 60 / time_scale seconds (CloudWatch evaluates once a minute), at least every 60 s and at most
twice a second. The alarm itself, its reason text and its notifications keep the declared Period.

Why `get_metric_data`, even for single-metric alarms: the evaluator asks moto for datapoints of exactly
one compressed period each (Period = the wall period, StartTime on a period boundary), and moto 5.2.5
bins `get_metric_data` from StartTime, as CloudWatch aligns periods, while its `get_metric_statistics`
starts its bins at the first datapoint found, so its periods would drift with the data. moto does not
enforce CloudWatch's 1/5/10/30/60-multiple rule for Period, and it compares times in whole seconds: hence
the one-second floor. Fetching one-second bins and aggregating them here would give the same sums,
minimums, maximums and counts, but it would give no percentiles either, and it would cost a request
bin per second of range for long periods.

Metric math alarms (`Metrics`): the MetricStat queries are fetched the same way, and the expressions are
evaluated here, since moto's `get_metric_data` only passes through an expression that names another
query. Supported: + - * / ^ and unary minus, numbers, query ids, arrays [a, b], METRICS() and
METRICS("text"), SUM / AVG / MIN / MAX (of an array: per timestamp; of one time series: a scalar),
FILL(x, value), ABS, CEIL and FLOOR. As CloudWatch documents, arithmetic treats a missing value as 0 and
drops a datapoint that would divide by zero.

Not evaluated locally, and shown as INSUFFICIENT_DATA with a reason that says why (`carebird alarms`):
percentile and other extended statistics (moto 5.2.5 computes none: its `get_metric_data` fails on
them), Metrics Insights queries, anomaly detection bands, and math functions not listed above. Known
moto differences that show through: a query without dimensions matches the metric's data under any
dimensions, and one with dimensions does not check the namespace; a new alarm starts in moto as OK with
the reason "Unchecked: Initial alarm creation", which the evaluator turns into the INSUFFICIENT_DATA
CloudWatch starts with, and `put_metric_alarm` on an existing alarm restarts it there too (CloudWatch
would keep its state); `set_alarm_state` by hand notifies no one (CloudWatch would), and the next
evaluation overrides it, as on AWS.
"""

from __future__ import annotations

import ast
import json
import math
import operator
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from carebird_ops.local.provision import ACCOUNT_ID

OK = "OK"
ALARM = "ALARM"
INSUFFICIENT_DATA = "INSUFFICIENT_DATA"

# CloudWatch's example: 5 datapoints retrieved for 3 evaluation periods.
EXTRA_PERIODS = 2

MOTO_INITIAL_REASON = "Unchecked: Initial alarm creation"
NOT_EVALUATED = "Not evaluated locally: "

COMPARISONS: dict[str, tuple[Callable[[float, float], bool], str]] = {
    "GreaterThanOrEqualToThreshold": (operator.ge, "greater than or equal to"),
    "GreaterThanThreshold": (operator.gt, "greater than"),
    "LessThanThreshold": (operator.lt, "less than"),
    "LessThanOrEqualToThreshold": (operator.le, "less than or equal to"),
}
STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
MISSING_DATA = ("missing", "notBreaching", "breaching", "ignore")
_FILL_LABEL = {
    "breaching": "Breaching",
    "notBreaching": "NonBreaching",
    "missing": "Missing",
    "ignore": "Ignore",
}

# CloudWatch names the region this way in notification subjects and messages.
REGION_NAMES = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
}


class UnsupportedAlarm(ValueError):
    """The alarm uses something the local evaluator cannot compute; the message says what."""


# ---------------------------------------------------------------------------------------- the decision


@dataclass(frozen=True)
class AlarmRule:
    """What deciding an alarm's state needs from its definition."""

    comparison_operator: str
    threshold: float
    evaluation_periods: int
    datapoints_to_alarm: int
    treat_missing_data: str = "missing"

    @classmethod
    def of(cls, alarm: Mapping[str, Any]) -> AlarmRule:
        comparison = alarm.get("ComparisonOperator", "")
        if comparison not in COMPARISONS:
            raise UnsupportedAlarm(f"comparison {comparison or '(none)'} (anomaly detection bands)")
        if alarm.get("ThresholdMetricId"):
            raise UnsupportedAlarm("a threshold from a metric (anomaly detection band)")
        n = int(alarm["EvaluationPeriods"])
        treatment = alarm.get("TreatMissingData") or "missing"
        if treatment not in MISSING_DATA:
            raise UnsupportedAlarm(f"TreatMissingData {treatment!r}")
        return cls(
            comparison, float(alarm["Threshold"]), n, int(alarm.get("DatapointsToAlarm") or n), treatment
        )

    def breaches(self, value: float) -> bool:
        return COMPARISONS[self.comparison_operator][0](value, self.threshold)


class Point(NamedTuple):
    """One real datapoint: the start of its period (epoch seconds) and its value."""

    start: int
    value: float
    breaching: bool


@dataclass(frozen=True)
class Outcome:
    state: str | None  # None: the alarm keeps the state it has (TreatMissingData ignore)
    reason: str
    evaluated: tuple[Point, ...]  # the real datapoints that decided, oldest first
    filled: int  # missing datapoints counted with the TreatMissingData treatment


def evaluate(series: Sequence[tuple[int, float | None]], rule: AlarmRule) -> Outcome:
    """The state CloudWatch gives an alarm whose evaluation range holds `series`.

    `series` has one (period start, value) entry per period of the evaluation range, oldest first, with
    None for a period without data.
    """
    n, m = rule.evaluation_periods, rule.datapoints_to_alarm
    real = [Point(start, value, rule.breaches(value)) for start, value in series if value is not None]
    if len(real) >= n:
        # Enough real datapoints: the most recent N decide, whatever the missing-data treatment.
        evaluated = real[-n:]
        return _decided(ALARM if _breaching(evaluated) >= m else OK, evaluated, 0, rule)

    treatment = rule.treat_missing_data
    fills = n - len(real)
    if treatment in ("breaching", "notBreaching"):
        breaching = _breaching(real) + (fills if treatment == "breaching" else 0)
        return _decided(ALARM if breaching >= m else OK, real, fills, rule)

    # missing / ignore: missing datapoints are neither breaching nor good.
    keep = treatment == "ignore"
    if not real:
        return Outcome(None if keep else INSUFFICIENT_DATA, _insufficient(n), (), fills)
    breaching = _breaching(real)
    if breaching >= m:
        return _decided(ALARM, real, fills, rule)
    if breaching < len(real):
        return _decided(OK, real, fills, rule)
    # Every datapoint there is breaching, yet fewer than M: ALARM only once the oldest of them is at least
    # M periods old, so that a metric that reports only now and then cannot stay out of ALARM forever.
    oldest_age = len(series) - next(i for i, (start, _) in enumerate(series) if start == real[0].start)
    if oldest_age >= m:
        if keep:
            return Outcome(None, "", tuple(real), fills)
        return Outcome(ALARM, _premature_reason(real, fills, oldest_age, rule), tuple(real), fills)
    return Outcome(None if keep else INSUFFICIENT_DATA, _insufficient(fills), tuple(real), fills)


def _breaching(points: Iterable[Point]) -> int:
    return sum(1 for p in points if p.breaching)


def _decided(state: str, points: Sequence[Point], fills: int, rule: AlarmRule) -> Outcome:
    return Outcome(state, threshold_reason(state, points, fills, rule), tuple(points), fills)


def threshold_reason(state: str, points: Sequence[Point], fills: int, rule: AlarmRule) -> str:
    """CloudWatch's wording for a decision on datapoints (and `fills` datapoints that were missing)."""
    label = _FILL_LABEL[rule.treat_missing_data]
    if not points:
        return (
            f"Threshold Crossed: no datapoints were received for {_plural(fills, 'period')} and "
            f"{_plural(fills, 'missing datapoint')} {_were(fills)} treated as [{label}]."
        )
    n, m = rule.evaluation_periods, rule.datapoints_to_alarm
    alarm = state == ALARM
    listed = [p for p in reversed(points) if p.breaching == alarm]  # most recent first, as CloudWatch lists
    # Missing datapoints filled as breaching count towards ALARM; filled as not breaching, towards OK.
    fills_count = rule.treat_missing_data == ("breaching" if alarm else "notBreaching")
    counted = len(listed) + (fills if fills_count else 0)
    text = f"Threshold Crossed: {counted} out of the last {n} datapoints"
    if listed:
        text += f" [{_datapoints(listed)}]"
    text += f" {_were(counted)} {'' if alarm else 'not '}{COMPARISONS[rule.comparison_operator][1]}"
    text += f" the threshold ({rule.threshold!r})"
    if fills:
        text += f" and {_plural(fills, 'missing datapoint')} {_were(fills)} treated as [{label}]"
    if alarm:
        text += f" (minimum {_plural(m, 'datapoint')} for OK -> ALARM transition)"
    return text + "."


def _premature_reason(points: Sequence[Point], fills: int, oldest_age: int, rule: AlarmRule) -> str:
    return (
        f"Threshold Crossed: {_plural(len(points), 'datapoint')} [{_datapoints(list(reversed(points)))}] "
        f"{_were(len(points))} {COMPARISONS[rule.comparison_operator][1]} the threshold "
        f"({rule.threshold!r}) and {_plural(fills, 'missing datapoint')} {_were(fills)} treated as "
        f"[Missing]; the oldest breaching datapoint is {oldest_age} periods old, at least the "
        f"{rule.datapoints_to_alarm} needed for OK -> ALARM transition."
    )


def _insufficient(unknown: int) -> str:
    return f"Insufficient Data: {_plural(unknown, 'datapoint')} {_were(unknown)} unknown."


def _datapoints(points: Iterable[Point]) -> str:
    return ", ".join(
        f"{p.value!r} ({datetime.fromtimestamp(p.start, UTC):%d/%m/%y %H:%M:%S})" for p in points
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _were(count: int) -> str:
    return "was" if count == 1 else "were"


# ---------------------------------------------------------------------------------------- compressed time


def wall_period(period_seconds: int, time_scale: float) -> int:
    """How many seconds of wall time one alarm period lasts at this time scale (at least one)."""
    if time_scale <= 0:
        raise ValueError("time scale must be positive")
    return max(1, round(period_seconds / time_scale))


def evaluation_range(now: float, period: int, periods: int) -> list[int]:
    """Starts (epoch seconds) of the last `periods` whole periods of `period` seconds ended by `now`."""
    end = math.floor(now / period) * period
    return [end - (periods - i) * period for i in range(periods)]


# ---------------------------------------------------------------------------------------- what to fetch


@dataclass(frozen=True)
class AlarmQuery:
    """The metric queries that produce an alarm's time series, and the expressions over them."""

    period: int  # as declared, in seconds
    metrics: dict[str, dict[str, Any]]  # query id -> MetricStat
    expressions: dict[str, str]  # query id -> metric math expression
    result_id: str
    statistic: str | None  # for a single-metric alarm

    @classmethod
    def of(cls, alarm: Mapping[str, Any]) -> AlarmQuery:
        queries = alarm.get("Metrics") or []
        if not queries:
            if alarm.get("ExtendedStatistic"):
                raise UnsupportedAlarm(
                    f"statistic {alarm['ExtendedStatistic']} (the local CloudWatch computes no percentiles)"
                )
            statistic = alarm.get("Statistic", "")
            _check_statistic(statistic)
            metric: dict[str, Any] = {"Namespace": alarm["Namespace"], "MetricName": alarm["MetricName"]}
            if alarm.get("Dimensions"):
                metric["Dimensions"] = [{"Name": d["Name"], "Value": d["Value"]} for d in alarm["Dimensions"]]
            stat: dict[str, Any] = {"Metric": metric, "Period": int(alarm["Period"]), "Stat": statistic}
            if alarm.get("Unit"):
                stat["Unit"] = alarm["Unit"]
            return cls(int(alarm["Period"]), {"m": stat}, {}, "m", statistic)

        metrics: dict[str, dict[str, Any]] = {}
        expressions: dict[str, str] = {}
        returned = []
        for q in queries:
            if "MetricStat" in q:
                _check_statistic(q["MetricStat"].get("Stat", ""))
                metrics[q["Id"]] = q["MetricStat"]
            elif q.get("Expression"):
                if q["Expression"].lstrip().upper().startswith("SELECT"):
                    raise UnsupportedAlarm("Metrics Insights queries")
                expressions[q["Id"]] = q["Expression"]
            else:
                raise UnsupportedAlarm(f"query {q.get('Id')!r} has neither MetricStat nor Expression")
            if q.get("ReturnData", True):
                returned.append(q["Id"])
        if len(returned) != 1:
            raise UnsupportedAlarm(f"{len(returned)} queries return data; an alarm needs exactly one")
        periods = {int(s["Period"]) for s in metrics.values()}
        if alarm.get("Period"):
            periods.add(int(alarm["Period"]))
        if len(periods) != 1:
            raise UnsupportedAlarm(f"metric queries with different periods {sorted(periods)}")
        return cls(periods.pop(), metrics, expressions, returned[0], None)


def _check_statistic(statistic: str) -> None:
    if statistic not in STATISTICS:
        raise UnsupportedAlarm(
            f"statistic {statistic or '(none)'} (the local CloudWatch computes only {', '.join(STATISTICS)})"
        )


# ---------------------------------------------------------------------------------------- metric math

Series = dict[int, float]  # period start (epoch seconds) -> value
Value = float | Series | list[Series]


class MetricMath:
    """Evaluates an alarm's metric math expressions over the time series of its metric queries."""

    def __init__(self, metrics: Mapping[str, Series], expressions: Mapping[str, str], slots: Sequence[int]):
        self._metrics = metrics
        self._expressions = expressions
        self._slots = slots
        self._done: dict[str, Value] = {}
        self._visiting: set[str] = set()

    def series(self, query_id: str) -> Series:
        value = self._value(query_id)
        if not isinstance(value, dict):
            kind = "a number" if isinstance(value, float) else "an array of time series"
            raise UnsupportedAlarm(f"{query_id!r} gives {kind}; an alarm needs one time series")
        return value

    def _value(self, query_id: str) -> Value:
        if query_id in self._metrics:
            return dict(self._metrics[query_id])
        if query_id not in self._expressions:
            raise UnsupportedAlarm(f"unknown query id {query_id!r} in metric math")
        if query_id in self._done:
            return self._done[query_id]
        if query_id in self._visiting:
            raise UnsupportedAlarm(f"metric math refers to itself through {query_id!r}")
        self._visiting.add(query_id)
        text = self._expressions[query_id]
        try:
            tree = ast.parse(text.replace("^", "**"), mode="eval")
        except SyntaxError:
            raise UnsupportedAlarm(f"metric math {text!r} does not parse") from None
        self._done[query_id] = value = self._node(tree.body, text)
        self._visiting.discard(query_id)
        return value

    def _node(self, node: ast.AST, text: str) -> Value:
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return float(node.value)
        if isinstance(node, ast.Name):
            return self._value(node.id)
        if isinstance(node, ast.List):
            items = [self._node(e, text) for e in node.elts]
            if not all(isinstance(i, dict) for i in items):
                raise UnsupportedAlarm(f"metric math {text!r}: an array holds time series only")
            return [i for i in items if isinstance(i, dict)]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            sign = -1.0 if isinstance(node.op, ast.USub) else 1.0
            return _apply(operator.mul, sign, self._node(node.operand, text))
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            return _apply(
                _OPERATORS[type(node.op)], self._node(node.left, text), self._node(node.right, text)
            )
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            return self._call(node.func.id, node.args, text)
        raise UnsupportedAlarm(f"metric math {text!r}: {ast.unparse(node)!r} is not supported locally")

    def _call(self, name: str, args: list[ast.expr], text: str) -> Value:
        if name == "METRICS":
            wanted = ""
            if args:
                first = args[0]
                if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                    raise UnsupportedAlarm(f"metric math {text!r}: METRICS takes a string")
                wanted = first.value
            return [dict(s) for qid, s in self._metrics.items() if wanted in qid]
        values = [self._node(a, text) for a in args]
        if name in _AGGREGATES and len(values) == 1:
            return _aggregate(name, values[0])
        if name in _ELEMENTWISE and len(values) == 1:
            return _map(_ELEMENTWISE[name], values[0])
        if name == "FILL" and len(values) == 2:
            return self._fill(values[0], values[1], text)
        raise UnsupportedAlarm(
            f"metric math {text!r}: {name} with {len(values)} argument(s) is not supported"
        )

    def _fill(self, target: Value, filler: Value, text: str) -> Value:
        if isinstance(filler, list):
            raise UnsupportedAlarm(f"metric math {text!r}: FILL with an array as the value")

        def fill(series: Series) -> Series:
            out = dict(series)
            for slot in self._slots:
                if slot not in out:
                    value = filler if isinstance(filler, float) else filler.get(slot)
                    if value is not None:
                        out[slot] = value
            return out

        if isinstance(target, float):
            raise UnsupportedAlarm(f"metric math {text!r}: FILL of a number")
        return fill(target) if isinstance(target, dict) else [fill(s) for s in target]


def _pow(a: float, b: float) -> float:
    result = a**b
    if isinstance(result, complex):
        raise ZeroDivisionError  # not a real number: dropped like a division by zero
    return float(result)


_OPERATORS: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: _pow,
}
_ELEMENTWISE: dict[str, Callable[[float], float]] = {"ABS": abs, "CEIL": math.ceil, "FLOOR": math.floor}
_REDUCERS: dict[str, Callable[[list[float]], float]] = {
    "SUM": sum,
    "AVG": lambda values: sum(values) / len(values),
    "MIN": min,
    "MAX": max,
}
_AGGREGATES = tuple(_REDUCERS)


def _apply(op: Callable[[float, float], float], left: Value, right: Value) -> Value:
    """A binary operation, element by element; missing values count as 0, a failed one is dropped."""
    if isinstance(left, list):
        return [s for s in (_apply(op, item, right) for item in left) if isinstance(s, dict)]
    if isinstance(right, list):
        return [s for s in (_apply(op, left, item) for item in right) if isinstance(s, dict)]
    if isinstance(left, float) and isinstance(right, float):
        return op(left, right)
    keys = sorted(set(left if isinstance(left, dict) else ()) | set(right if isinstance(right, dict) else ()))
    out: Series = {}
    for key in keys:
        a = left.get(key, 0.0) if isinstance(left, dict) else left
        b = right.get(key, 0.0) if isinstance(right, dict) else right
        try:
            out[key] = op(a, b)
        except (ZeroDivisionError, OverflowError):
            continue
    return out


def _map(fn: Callable[[float], float], value: Value) -> Value:
    if isinstance(value, float):
        return float(fn(value))
    if isinstance(value, dict):
        return {k: float(fn(v)) for k, v in value.items()}
    return [{k: float(fn(v)) for k, v in s.items()} for s in value]


def _aggregate(name: str, value: Value) -> Value:
    if isinstance(value, float):
        return value
    if isinstance(value, dict):
        # One time series: a number over the whole range.
        values = list(value.values())
        if not values:
            return 0.0
        return _REDUCERS[name](values)
    # An array: a time series, timestamp by timestamp. SUM and AVG count a missing value as 0.
    out: Series = {}
    for key in sorted({k for s in value for k in s}):
        present = [s[key] for s in value if key in s]
        if name == "SUM":
            out[key] = sum(present)
        elif name == "AVG":
            out[key] = sum(present) / len(value)
        else:
            out[key] = min(present) if name == "MIN" else max(present)
    return out


# ---------------------------------------------------------------------------------------- notifications


def notification(
    alarm: Mapping[str, Any], old_state: str, new_state: str, reason: str, changed_at: datetime, region: str
) -> tuple[str, dict[str, Any]]:
    """The subject and JSON message CloudWatch publishes to an alarm's SNS actions on a state change."""
    region_name = REGION_NAMES.get(region, region)
    message = {
        "AlarmName": alarm["AlarmName"],
        "AlarmDescription": alarm.get("AlarmDescription"),
        "AWSAccountId": ACCOUNT_ID,
        "AlarmConfigurationUpdatedTimestamp": _iso(alarm.get("AlarmConfigurationUpdatedTimestamp")),
        "NewStateValue": new_state,
        "NewStateReason": reason,
        "StateChangeTime": _iso(changed_at),
        "Region": region_name,
        "AlarmArn": alarm.get("AlarmArn"),
        "OldStateValue": old_state,
        "OKActions": list(alarm.get("OKActions", [])),
        "AlarmActions": list(alarm.get("AlarmActions", [])),
        "InsufficientDataActions": list(alarm.get("InsufficientDataActions", [])),
        "Trigger": _trigger(alarm),
    }
    subject = f'{new_state}: "{alarm["AlarmName"]}" in {region_name}'
    return subject[:100], message  # SNS refuses a longer subject


def _trigger(alarm: Mapping[str, Any]) -> dict[str, Any]:
    n = int(alarm.get("EvaluationPeriods", 1))
    common = {
        "EvaluationPeriods": n,
        "DatapointsToAlarm": int(alarm.get("DatapointsToAlarm") or n),
        "ComparisonOperator": alarm.get("ComparisonOperator"),
        "Threshold": alarm.get("Threshold"),
        "TreatMissingData": alarm.get("TreatMissingData") or "missing",
        "EvaluateLowSampleCountPercentile": alarm.get("EvaluateLowSampleCountPercentile", ""),
    }
    if alarm.get("Metrics"):
        periods = [q["MetricStat"]["Period"] for q in alarm["Metrics"] if "MetricStat" in q]
        return {
            "Metrics": [_trigger_query(q) for q in alarm["Metrics"]],
            "Period": max(periods, default=0),
            **common,
        }
    extended = alarm.get("ExtendedStatistic")
    return {
        "MetricName": alarm.get("MetricName"),
        "Namespace": alarm.get("Namespace"),
        "StatisticType": "ExtendedStatistic" if extended else "Statistic",
        "Statistic": extended or str(alarm.get("Statistic", "")).upper(),
        "Unit": alarm.get("Unit"),
        "Dimensions": _trigger_dimensions(alarm.get("Dimensions", [])),
        "Period": alarm.get("Period"),
        **common,
    }


def _trigger_query(query: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"Id": query["Id"], "ReturnData": query.get("ReturnData", True)}
    if "Label" in query:
        out["Label"] = query["Label"]
    if "Expression" in query:
        out["Expression"] = query["Expression"]
    if "MetricStat" in query:
        stat = query["MetricStat"]
        out["MetricStat"] = {
            "Metric": {
                "Dimensions": _trigger_dimensions(stat["Metric"].get("Dimensions", [])),
                "MetricName": stat["Metric"]["MetricName"],
                "Namespace": stat["Metric"]["Namespace"],
            },
            "Period": stat["Period"],
            "Stat": stat["Stat"],
        }
    return out


def _trigger_dimensions(dimensions: Iterable[Mapping[str, str]]) -> list[dict[str, str]]:
    return [{"value": d["Value"], "name": d["Name"]} for d in dimensions]  # CloudWatch's own spelling


def _iso(when: datetime | None) -> str | None:
    if when is None:
        return None
    when = when.astimezone(UTC)
    return f"{when:%Y-%m-%dT%H:%M:%S}.{when.microsecond // 1000:03d}+0000"


# ---------------------------------------------------------------------------------------- the evaluator


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
        {"timestamp": _iso(datetime.fromtimestamp(p.start, UTC)), "value": p.value} for p in outcome.evaluated
    ]
    data: dict[str, Any] = {
        "version": "1.0",
        "queryDate": _iso(datetime.fromtimestamp(now, UTC)),
        "startDate": _iso(datetime.fromtimestamp(slots[0], UTC)),
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
