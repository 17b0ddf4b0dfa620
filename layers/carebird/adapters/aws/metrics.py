"""SLA breaches counted in CloudWatch (carebird.sla.ports.SlaMetrics) as Powertools EMF metrics."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from carebird.metric_names import MetricName
from carebird.observability import metrics


class PowertoolsSlaMetrics:
    def breach(self, brand_id: str, queue: str, priority: str) -> None:
        # For the alarm: the function's default dimension set (service).
        metrics.add_metric(name=MetricName.SLA_BREACHES, unit=MetricUnit.Count, value=1)
        # For finding where it hurts: by brand, queue and priority.
        with single_metric(
            name=MetricName.SLA_BREACHES, unit=MetricUnit.Count, value=1, namespace=metrics.namespace
        ) as m:
            m.add_dimension(name="brand", value=brand_id)
            m.add_dimension(name="queue", value=queue)
            m.add_dimension(name="priority", value=priority)
