"""`carebird alarms`: each CloudWatch metric alarm, its state, why, and since when.

On the local stack these are the alarms provisioned from template.yaml (and any a test created), in the
states the local evaluator (carebird_ops.local.alarms) gave them; with --aws, the account's alarms.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from carebird_ops.cli import CliError
from carebird_ops.cli.aws_target import aws_target, target_options

STATES = ("ALARM", "INSUFFICIENT_DATA", "OK")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "alarms", parents=[target_options()], help="the CloudWatch alarms: state, reason, last change"
    )
    p.add_argument("--state", choices=STATES, help="only alarms in this state")
    p.add_argument("--prefix", default="", help="only alarms whose name starts with this")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_alarms)


def cmd_alarms(args: argparse.Namespace) -> int:
    aws_target(args)  # the local stack's endpoint, if it runs
    try:
        alarms = describe(boto3.client("cloudwatch"), args.state, args.prefix)
    except (BotoCoreError, ClientError) as exc:
        raise CliError(f"cannot read alarms: {exc}") from None
    if args.json:
        print(json.dumps([summary(a) for a in alarms], indent=2))
        return 0
    if not alarms:
        print("no alarms" + (f" in state {args.state}" if args.state else ""))
        return 0
    print(render(alarms))
    return 0


def describe(cloudwatch: Any, state: str | None, prefix: str) -> list[dict[str, Any]]:
    kwargs: dict[str, Any] = {"AlarmTypes": ["MetricAlarm"]}
    if state:
        kwargs["StateValue"] = state
    if prefix:
        kwargs["AlarmNamePrefix"] = prefix
    alarms: list[dict[str, Any]] = []
    for page in cloudwatch.get_paginator("describe_alarms").paginate(**kwargs):
        alarms += page.get("MetricAlarms", [])
    # Filtered here too: moto applies only one of StateValue and AlarmNamePrefix.
    wanted = [a for a in alarms if a["AlarmName"].startswith(prefix) and state in (None, a["StateValue"])]
    # Alarms that need someone first, then by name.
    return sorted(wanted, key=lambda a: (STATES.index(a["StateValue"]), a["AlarmName"]))


def summary(alarm: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": alarm["AlarmName"],
        "state": alarm["StateValue"],
        "reason": alarm.get("StateReason", ""),
        "since": _utc(alarm.get("StateUpdatedTimestamp")),
        "description": alarm.get("AlarmDescription", ""),
    }


def render(alarms: list[dict[str, Any]]) -> str:
    rows = [("STATE", "ALARM", "SINCE")] + [
        (a["StateValue"], a["AlarmName"], _utc(a.get("StateUpdatedTimestamp")) or "-") for a in alarms
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = []
    for i, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if i:
            lines.append(f"    {alarms[i - 1].get('StateReason', '')}")
    return "\n".join(lines)


def _utc(when: datetime | None) -> str | None:
    return None if when is None else when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
