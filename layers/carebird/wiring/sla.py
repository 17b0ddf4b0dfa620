"""Wiring the SLA clocks' signals shared by the functions that save cases (Route, AgentApi): the alarms
(EventBridge Scheduler, from ClockAlarmSettings) and the signal to the legacy watch executions. Built on
first use, never at import."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field

from carebird.sla.ports import SlaSignals
from carebird.wiring.settings import EnvironmentSettings, load_settings


class ClockAlarmSettings(EnvironmentSettings):
    """Where the clocks' alarms go (template.yaml sets them on the functions that save cases)."""

    sla_alarm_group: str = Field(min_length=1)  # the stack's schedule group
    sla_alarm_target_arn: str = Field(min_length=1)  # the function a ringing alarm invokes (Route)
    sla_alarm_role_arn: str = Field(min_length=1)  # the role Scheduler assumes to invoke it
    sla_alarm_dead_letter_arn: str | None = None  # where an undeliverable ring goes (the stack's DLQ)


@lru_cache(maxsize=1)
def sla_signals() -> SlaSignals:
    from carebird.adapters.aws.scheduler import SchedulerClockAlarm, SchedulerSettings
    from carebird.adapters.aws.sla_signal import StepFunctionsSignal

    settings = load_settings(ClockAlarmSettings, "SLA alarm environment")
    alarm = SchedulerClockAlarm(
        SchedulerSettings(
            group=settings.sla_alarm_group,
            target_arn=settings.sla_alarm_target_arn,
            role_arn=settings.sla_alarm_role_arn,
            dead_letter_arn=settings.sla_alarm_dead_letter_arn or None,
        )
    )
    return SlaSignals(alarm=alarm, legacy=StepFunctionsSignal())
