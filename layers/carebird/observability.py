"""The package's one Logger, Tracer and Metrics.

Powertools configures them from POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE and
POWERTOOLS_LOG_LEVEL (set per function in template.yaml). Constructing them makes no AWS call; the
Tracer disables itself outside Lambda, so importing this module in tests or tools is free.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics()
