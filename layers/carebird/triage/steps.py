"""The Route function's steps (functions/classify/route.py): each Task of the triage workflow that writes
calls it with an action, and it runs that action on the case.

Routing a message (carebird.triage.routing):
- triage: thread the message into its open case, or route a new case to a skill queue and an agent.
- close_noise: spam or no response needed: a case closed with the reason, or the acknowledge lane.
- needs_human: the Classify step failed for good: the message goes to the needs-human queue.
A message that answers a follow-up survey goes onto the surveyed case instead (carebird.followup).

A clock's alarm rang (carebird.sla.watch.SlaWatch.ring), the schedule's input {"sla_alarm": {"case_id",
"clock", "at"}}: do what the clock's moment asks; the change saved sets its next alarm.

The SLA watch executions of the release before (carebird.sla.watch), still running for cases opened
before the upgrade, with the Route step's outcome in the execution state:
- await (with "watch", "token"): keep the Await state's token on the case until the clock moves or stops.
- evaluate (with "watch", "woken_by"): do what the clock's moment asks; say what to wait for next.
The steps of the watch's first definition, which executions started before an upgrade still run:
- watch_first_response: keep the Task token on the case until the first reply (or signal it now).
- sla_at_risk: tell the assignee and supervisors the first-response target is near.
- sla_breach: the first-response target passed: escalate by the brand's ladder.
- sla_clock: where the next-response or resolution clock stands; warn or escalate at its moments.
- watch_clock: keep the Task token on the case until that clock moves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from carebird.brands import Brand
from carebird.brands.desk import TriageConfig, TriageConfigError, load_triage_config
from carebird.cases.model import Channel
from carebird.sla.ports import LOOK_AGAIN
from carebird.triage.errors import BrandNotFound
from carebird.triage.execution import SLA_ACTIONS, AlarmRing, StepInput, incoming_message
from carebird.triage.ports import SurveyAnswerReader
from carebird.triage.service import TriageService


@dataclass
class TriageStep:
    service: TriageService
    brand_lookup: Callable[[str], Brand | None]
    survey_answers: SurveyAnswerReader | None = None

    def run(self, event: dict[str, Any]) -> dict[str, Any]:
        if "sla_alarm" in event:
            return self._ring(AlarmRing.model_validate(event["sla_alarm"]))
        step = StepInput.model_validate(event)
        brand: Brand | None = self.brand_lookup(step.brand_id)
        if brand is None:
            raise BrandNotFound(f"brand {step.brand_id} is not configured in this deployment")
        if step.action in SLA_ACTIONS:
            return self._sla(step, brand)
        message = incoming_message(step)
        try:
            config = brand.config.triage
        except TriageConfigError:
            if step.action != "needs_human":
                raise
            # The brand's own config may be what failed: people still get the message.
            config = load_triage_config(None)
        if step.action != "needs_human" and self.survey_answers is not None:
            answer = self.survey_answers.answer(
                brand.id,
                message.customer.id,
                message.text,
                message.conversation_id,
                message.channel is Channel.DM,
            )
            if answer is not None:  # the customer's rating: it goes on the surveyed case, not a new one
                return self.service.attach(answer.case_id, message, step.classification).model_dump(
                    mode="json"
                )
        if step.action == "needs_human":
            error = step.error or {}
            cause = f"{error.get('Error', 'Unknown')}: {str(error.get('Cause', ''))[:500]}"
            outcome = self.service.needs_human(message, cause, config)
        elif step.action == "close_noise":
            outcome = self.service.close_noise(message, step.classification, config)
        else:
            outcome = self.service.triage(message, step.classification, config)
        return outcome.model_dump(mode="json")

    def _ring(self, alarm: AlarmRing) -> dict[str, Any]:
        def config_of(brand_id: str) -> TriageConfig:
            brand = self.brand_lookup(brand_id)
            if brand is None:
                raise BrandNotFound(f"brand {brand_id} is not configured in this deployment")
            return brand.config.triage

        found = self.service.ring(alarm.case_id, alarm.clock, alarm.at, config_of)
        return {"case_id": alarm.case_id, "clock": alarm.clock, "found": found}

    def _sla(self, step: StepInput, brand: Brand) -> dict[str, Any]:
        case_id = str((step.state.outcome or {}).get("value", {}).get("case_id") or "")
        if not case_id:
            raise ValueError(
                f"{step.action} needs the Route step's outcome (a case id) in the execution state"
            )
        if step.action in ("await", "evaluate"):
            if step.watch is None:
                raise ValueError(f"{step.action} needs the clock the SLA watch follows")
            if step.action == "evaluate":
                woken = step.woken_by == LOOK_AGAIN
                watch = self.service.evaluate(case_id, step.watch, woken, brand.config.triage)
                return watch.model_dump(mode="json")
            if not step.token:
                raise ValueError("await needs the Task token")
            return {"waiting": self.service.await_clock(case_id, step.watch, step.token)}
        if step.action == "watch_first_response":
            if not step.token:
                raise ValueError("watch_first_response needs the Task token")
            return {"waiting": self.service.watch_first_response(case_id, step.token)}
        if step.action == "sla_at_risk":
            return {"breach_in_seconds": self.service.sla_at_risk(case_id)}
        if step.action in ("sla_clock", "watch_clock") and step.clock is None:
            raise ValueError(f"{step.action} needs the clock (next_response or resolution)")
        if step.action == "watch_clock":
            if not step.token or step.fingerprint is None:
                raise ValueError("watch_clock needs the Task token and the clock's fingerprint")
            assert step.clock is not None
            return {"waiting": self.service.watch_clock(case_id, step.clock, step.token, step.fingerprint)}
        config = brand.config.triage
        if step.action == "sla_clock":
            assert step.clock is not None
            return self.service.sla_clock(case_id, step.clock, step.instance, config)
        return self.service.sla_breach(case_id, config).model_dump(mode="json")
