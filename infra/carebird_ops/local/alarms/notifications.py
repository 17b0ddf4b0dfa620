"""The notification CloudWatch publishes to an alarm's SNS actions when its state changes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from carebird_ops.local.provision import ACCOUNT_ID

# CloudWatch names the region this way in notification subjects and messages.
REGION_NAMES = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
}


def notification(
    alarm: Mapping[str, Any], old_state: str, new_state: str, reason: str, changed_at: datetime, region: str
) -> tuple[str, dict[str, Any]]:
    """The subject and JSON message CloudWatch publishes to an alarm's SNS actions on a state change."""
    region_name = REGION_NAMES.get(region, region)
    message = {
        "AlarmName": alarm["AlarmName"],
        "AlarmDescription": alarm.get("AlarmDescription"),
        "AWSAccountId": ACCOUNT_ID,
        "AlarmConfigurationUpdatedTimestamp": iso(alarm.get("AlarmConfigurationUpdatedTimestamp")),
        "NewStateValue": new_state,
        "NewStateReason": reason,
        "StateChangeTime": iso(changed_at),
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


def iso(when: datetime | None) -> str | None:
    if when is None:
        return None
    when = when.astimezone(UTC)
    return f"{when:%Y-%m-%dT%H:%M:%S}.{when.microsecond // 1000:03d}+0000"
