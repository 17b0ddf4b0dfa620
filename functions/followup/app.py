"""Follow-up function, every minute: asks the customers of resolved cases how it went (once per case),
publishes how long the longest-waiting customer has waited for a first answer (OldestUnansweredAge), and
sets again the SLA alarms whose moment passed with no ring (SlaAlarmsSetAgain; carebird.sla.overdue)."""

from __future__ import annotations

from carebird import coldstart

with coldstart.loading():  # no garbage collection while the code loads (carebird.coldstart)
    from typing import Any

    from aws_lambda_powertools.utilities.typing import LambdaContext

    from carebird.metric_names import MetricName
    from carebird.observability import logger, metrics, tracer
    from carebird.wiring import followup as runtime
    from carebird.wiring.spend import flushes_x_spend


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@flushes_x_spend  # what the invocation spent on X, written before Lambda may freeze it
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    result = runtime.followup_service().sweep().as_dict()
    result["closed_unanswered"] = runtime.survey_answers().expire()
    if result["sent"]:
        metrics.add_metric(name=MetricName.SURVEYS_SENT, unit="Count", value=result["sent"])
    sweep = runtime.sla_sweep_now()
    oldest = sweep.oldest
    metrics.add_metric(name=MetricName.OLDEST_UNANSWERED_AGE, unit="Seconds", value=oldest.age_seconds)
    result["oldest_unanswered_seconds"] = int(oldest.age_seconds)
    result["waiting_for_first_answer"] = oldest.waiting
    result["sla_alarms_set_again"] = len(sweep.alarms_set)
    if sweep.alarms_set:
        metrics.add_metric(name=MetricName.SLA_ALARMS_SET_AGAIN, unit="Count", value=len(sweep.alarms_set))
    logger.info("follow-up run", extra={**result, "oldest_case": oldest.case_id})
    return result
