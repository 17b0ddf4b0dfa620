"""The SLA alarms as EventBridge Scheduler one-time schedules: what CreateSchedule is sent, a name within
Scheduler's limits, and setting or clearing twice is not an error."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import Stubber

from carebird.adapters.aws.scheduler import SchedulerClockAlarm, SchedulerSettings, schedule_name

SETTINGS = SchedulerSettings(
    group="carebird-sla",
    target_arn="arn:aws:lambda:us-east-1:123456789012:function:carebird-sla-alarm",
    role_arn="arn:aws:iam::123456789012:role/sla-alarm",
    dead_letter_arn="arn:aws:sqs:us-east-1:123456789012:carebird-async-failures",
)
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def client() -> object:
    return boto3.client(
        "scheduler", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


def test_an_alarm_is_a_one_time_utc_schedule_that_deletes_itself_and_invokes_the_alarm_function() -> None:
    scheduler = client()
    alarm = SchedulerClockAlarm(SETTINGS, scheduler, now=lambda: NOW)
    moment = NOW + timedelta(minutes=48, microseconds=300)  # rings at the next whole second, never before
    expected = {
        "Name": "acme-t555.fr.1796640481",
        "GroupName": "carebird-sla",
        "ScheduleExpression": "at(2026-12-07T10:48:01)",
        "ScheduleExpressionTimezone": "UTC",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "ActionAfterCompletion": "DELETE",
        "Target": {
            "Arn": SETTINGS.target_arn,
            "RoleArn": SETTINGS.role_arn,
            "Input": json.dumps(
                {
                    "sla_alarm": {
                        "case_id": "acme-t555",
                        "clock": "first_response",
                        "at": "2026-12-07T10:48:01+00:00",
                    }
                }
            ),
            "RetryPolicy": {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 20},
            "DeadLetterConfig": {"Arn": "arn:aws:sqs:us-east-1:123456789012:carebird-async-failures"},
        },
        "Description": "SLA first_response of case acme-t555",
    }
    with Stubber(scheduler) as stub:  # type: ignore[arg-type]
        stub.add_response("create_schedule", {"ScheduleArn": "arn"}, expected)
        stub.add_client_error("create_schedule", service_error_code="ConflictException", http_status_code=409)
        stub.add_response("delete_schedule", {}, {"Name": expected["Name"], "GroupName": "carebird-sla"})
        stub.add_client_error(
            "delete_schedule", service_error_code="ResourceNotFoundException", http_status_code=404
        )
        stub.add_client_error(
            "delete_schedule", service_error_code="AccessDeniedException", http_status_code=403
        )
        alarm.set("acme-t555", "first_response", moment)
        alarm.set("acme-t555", "first_response", moment)  # set already: one schedule
        alarm.clear("acme-t555", "first_response", moment)
        alarm.clear("acme-t555", "first_response", moment)  # gone (rang, or cleared): nothing to do
        with pytest.raises(Exception, match="AccessDenied"):
            alarm.clear("acme-t555", "first_response", moment)
        stub.assert_no_pending_responses()


def test_a_moment_already_past_rings_a_few_seconds_from_now_under_its_own_name() -> None:
    scheduler = client()
    without_dead_letters = SETTINGS.model_copy(update={"dead_letter_arn": None})  # no DeadLetterConfig sent
    alarm = SchedulerClockAlarm(without_dead_letters, scheduler, now=lambda: NOW)
    past = NOW - timedelta(minutes=5)
    with Stubber(scheduler) as stub:  # type: ignore[arg-type]
        stub.add_response(
            "create_schedule",
            {"ScheduleArn": "arn"},
            {
                "Name": schedule_name("acme-t1", "resolution", past),
                "GroupName": "carebird-sla",
                "ScheduleExpression": "at(2026-12-07T10:00:05)",
                "ScheduleExpressionTimezone": "UTC",
                "FlexibleTimeWindow": {"Mode": "OFF"},
                "ActionAfterCompletion": "DELETE",
                "Target": {
                    "Arn": SETTINGS.target_arn,
                    "RoleArn": SETTINGS.role_arn,
                    "Input": json.dumps(
                        {
                            "sla_alarm": {
                                "case_id": "acme-t1",
                                "clock": "resolution",
                                "at": "2026-12-07T09:55:00+00:00",
                            }
                        }
                    ),
                    "RetryPolicy": {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 20},
                },
                "Description": "SLA resolution of case acme-t1",
            },
        )
        alarm.set("acme-t1", "resolution", past)


def test_schedule_names_fit_scheduler_s_64_characters_and_charset_and_differ_by_moment() -> None:
    at = NOW
    assert schedule_name("acme-t1234", "next_response", at) == "acme-t1234.nr.1796637600"
    assert schedule_name("acme-t1234", "next_response", at) != schedule_name(
        "acme-t1234", "next_response", at + timedelta(seconds=1)
    )
    long_id = "a-very-long-brand-identifier-of-forty-chars-t1999999999999999999"
    for case_id in (long_id, "a b:c/d"):
        name = schedule_name(case_id, "resolution", at)
        assert len(name) <= 64 and name.endswith(".res.1796637600")
        assert all(c.isalnum() or c in "-_." for c in name)
    assert schedule_name(long_id, "resolution", at) != schedule_name(long_id + "0", "resolution", at)
