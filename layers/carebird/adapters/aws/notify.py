"""People's notices about a case (carebird.sla.ports.Notifier) as SNS messages on the agent notifications
topic: "SLA at risk" and "SLA breached", for a chat or email hook subscribed to it. The client is built on
first use, never at import."""

from __future__ import annotations

import json
from typing import Any


class SnsNotifier:
    def __init__(self, topic_arn: str, client: Any = None) -> None:
        self._topic_arn = topic_arn
        self._client = client

    def notify(self, subject: str, message: dict[str, Any]) -> None:
        if self._client is None:
            import boto3  # on first use: the Route function's cold start does not pay for it

            self._client = boto3.client("sns")
        # SNS refuses a subject over 100 characters.
        self._client.publish(TopicArn=self._topic_arn, Subject=subject[:100], Message=json.dumps(message))
