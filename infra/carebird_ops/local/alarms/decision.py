"""The decision: the state CloudWatch gives an alarm on the datapoints of its evaluation range, and the
reason it words for it (see the package's docstring for the documented rules this follows)."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

OK = "OK"
ALARM = "ALARM"
INSUFFICIENT_DATA = "INSUFFICIENT_DATA"

COMPARISONS: dict[str, tuple[Callable[[float, float], bool], str]] = {
    "GreaterThanOrEqualToThreshold": (operator.ge, "greater than or equal to"),
    "GreaterThanThreshold": (operator.gt, "greater than"),
    "LessThanThreshold": (operator.lt, "less than"),
    "LessThanOrEqualToThreshold": (operator.le, "less than or equal to"),
}
MISSING_DATA = ("missing", "notBreaching", "breaching", "ignore")
_FILL_LABEL = {
    "breaching": "Breaching",
    "notBreaching": "NonBreaching",
    "missing": "Missing",
    "ignore": "Ignore",
}


class UnsupportedAlarm(ValueError):
    """The alarm uses something the local evaluator cannot compute; the message says what."""


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
