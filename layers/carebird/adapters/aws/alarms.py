"""The stack's alarm states from CloudWatch DescribeAlarms (carebird.team.ports.AlarmSource).

Only alarms named with the stack's prefix (CloudFormation names them `<stack>-<LogicalId>-...`; the local
stack `<stack>-<LogicalId>`) are listed. Locally, moto's CloudWatch holds the states the stack's evaluator
sets, so the same call answers there. The client is built on first use, never at import.
"""

from __future__ import annotations

from typing import Any

import boto3

from carebird.team.model import AlarmState


class CloudWatchAlarms:
    def __init__(self, name_prefix: str, client: Any = None) -> None:
        self._prefix = name_prefix
        self._client = client

    def _cw(self) -> Any:
        if self._client is None:
            self._client = boto3.client("cloudwatch")
        return self._client

    def alarms(self) -> list[AlarmState]:
        found: list[AlarmState] = []
        args: dict[str, Any] = {"AlarmTypes": ["MetricAlarm"]}
        if self._prefix:
            args["AlarmNamePrefix"] = self._prefix
        for page in self._cw().get_paginator("describe_alarms").paginate(**args):
            for alarm in page.get("MetricAlarms", []):
                found.append(
                    AlarmState(
                        name=alarm["AlarmName"],
                        state=alarm.get("StateValue", "INSUFFICIENT_DATA"),
                        reason=alarm.get("StateReason", ""),
                        metric=alarm.get("MetricName"),
                        updated_at=alarm.get("StateUpdatedTimestamp"),
                        description=alarm.get("AlarmDescription", ""),
                    )
                )
        return found
