"""Route function: every step of the triage workflow that writes to a case (carebird.triage.steps).

Also SlaAlarmFunction's handler: an SLA clock's alarm rang (an EventBridge Scheduler one-time schedule),
{"sla_alarm": {"case_id", "clock", "at"}}: do what the clock's moment asks, and set its next alarm.

Input: {"action", "state": <the execution's state>, ...}, the action one of:
- "triage": thread the message into its open case, or route a new case to a queue and an agent;
- "close_noise": spam or no response needed: a case closed with the reason, or the acknowledge lane;
- "needs_human": classification failed: the message goes to the needs-human queue;
the SLA watch of the release before (executions started before the SLA alarms, until their clocks stop):
- "await" (with "watch", "token"): the SLA watch waits on its clock (the task token kept on the case);
- "evaluate" (with "watch", "woken_by"): the SLA watch does what the clock's moment asks, and says what
  to wait for next;
the SLA watch's first definition, which executions started before an upgrade still run:
- "watch_first_response" (with "token"): wait for the case's first reply;
- "sla_at_risk": the first-response target is near: tell the assignee and supervisors;
- "sla_breach": the first-response target passed: escalate;
- "sla_clock" (with "clock", "instance"): where the next-response or resolution clock stands;
- "watch_clock" (with "clock", "token", "fingerprint"): wait until that clock moves.
Returns the routing outcome (case id, status, queue, priority, assignee, first-response deadline, reason)
or the SLA step's answer.
"""

from __future__ import annotations

from carebird import coldstart

with coldstart.loading():  # no garbage collection while the code loads (carebird.coldstart)
    from typing import Any

    from aws_lambda_powertools.utilities.typing import LambdaContext

    from carebird.observability import logger, metrics, tracer
    from carebird.triage.log_lines import outcome_summary
    from carebird.wiring import triage as runtime


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    outcome = runtime.triage_step().run(event)
    logger.info("triaged", extra={"action": event.get("action"), **outcome_summary(outcome)})
    return outcome
