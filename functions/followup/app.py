"""Follow-up function: on its schedule, asks the customers of resolved cases how it went (once per case)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from carebird.followup import runtime
from carebird.observability import logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    result = runtime.followup_service().sweep().as_dict()
    if result["sent"]:
        metrics.add_metric(name="SurveysSent", unit="Count", value=result["sent"])
    logger.info("survey sweep", extra=result)
    return result
