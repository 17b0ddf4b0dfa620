"""What to fetch for an alarm: its metric queries and expressions, over periods compressed in time."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from carebird_ops.local.alarms.decision import UnsupportedAlarm

# CloudWatch's example: 5 datapoints retrieved for 3 evaluation periods.
EXTRA_PERIODS = 2

STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")


# Compressed time: the stack's --time-scale shortens every alarm period (see the package's docstring).


def wall_period(period_seconds: int, time_scale: float) -> int:
    """How many seconds of wall time one alarm period lasts at this time scale (at least one)."""
    if time_scale <= 0:
        raise ValueError("time scale must be positive")
    return max(1, round(period_seconds / time_scale))


def evaluation_range(now: float, period: int, periods: int) -> list[int]:
    """Starts (epoch seconds) of the last `periods` whole periods of `period` seconds ended by `now`."""
    end = math.floor(now / period) * period
    return [end - (periods - i) * period for i in range(periods)]


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
