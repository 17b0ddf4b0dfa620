"""Route function: the triage workflow's writing steps (route, close noise, needs-human).

Input: {"action": "triage" | "close_noise" | "needs_human", "state": <the execution's state>}.
Returns the outcome (case id, status, queue, priority, assignee, first-response deadline, reason).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from carebird.observability import logger, metrics, tracer
from carebird.wiring import triage as runtime


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    outcome = runtime.triage_step().run(event)
    logger.info("triaged", extra={"action": event.get("action"), "outcome": outcome})
    return outcome
