"""Classify function: the triage workflow's Classify step (sentiment, skill, language, urgency, spam).

Input: the execution's state ({"brand_id", "mention" | "dm", "classifier", ...}: "classifier" is what
this step reads of the brand, handed over by the poll function). Output: the classification, each signal
with its confidence and the reasons, which the workflow's Choice and Route steps read.

No DynamoDB code nor pydantic at import: the brand is read (and PynamoDB and the settings model loaded)
only for an execution whose input does not carry the brand's settings (carebird.wiring.classify). No
Powertools Tracer either: the step is CPU work, and the X-Ray SDK the Tracer loads was about a third of
this handler's import (carebird.observability). Lambda's active tracing still records each invocation in
the execution's trace.
"""

from __future__ import annotations

from carebird import coldstart

with coldstart.loading():  # no garbage collection while the code loads (carebird.coldstart)
    from typing import Any

    from aws_lambda_powertools.utilities.typing import LambdaContext

    from carebird.observability import logger, metrics
    from carebird.triage.classify import classify_step
    from carebird.triage.log_lines import classification_summary
    from carebird.wiring import classify as runtime


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    classification = classify_step(event, runtime.brand, runtime.classifier_for)
    logger.info(
        "classified", extra={"brand_id": event.get("brand_id"), **classification_summary(classification)}
    )
    return classification
