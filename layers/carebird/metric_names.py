"""Every business metric carebird emits to CloudWatch (namespace carebird), named once.

Code emits them by these names; template.yaml's alarms and dashboard watch them by the same names, and
tests/unit/test_metric_names.py fails when the template names a metric not declared here or a metric
declared here is emitted nowhere. A StrEnum member is its name as a str, so Powertools and the test
fakes take it as they take the literal.
"""

from __future__ import annotations

from enum import StrEnum


class MetricName(StrEnum):
    # Ingestion (the poll function), per feed: X reads, ingested as work, skipped as noise, ingest lag.
    POLL_SUCCEEDED = "PollSucceeded"
    DM_POLL_SUCCEEDED = "DmPollSucceeded"
    POLL_ERRORS = "PollErrors"
    GAPS = "Gaps"  # a run could not read back to its checkpoint: posts may have been missed
    GAPS_OPEN = "GapsOpen"  # a brand's gaps still open after a poll's backfill (a gauge: Maximum)
    GAPS_LOST_TO_X = "GapsLostToX"  # gaps X no longer serves: posts in them may be missing for good
    UNREADABLE_POSTS = "UnreadablePosts"
    X_READS = "XReads"
    MENTIONS_INGESTED = "MentionsIngested"
    MENTIONS_SKIPPED = "MentionsSkipped"
    INGEST_LAG_SECONDS = "IngestLagSeconds"
    X_DM_EVENT_READS = "XDmEventReads"
    DMS_INGESTED = "DmsIngested"
    DMS_SKIPPED = "DmsSkipped"
    DM_INGEST_LAG_SECONDS = "DmIngestLagSeconds"

    # SLA: breaches counted by the triage workflow, the longest wait published by the follow-up function.
    SLA_BREACHES = "SlaBreaches"
    OLDEST_UNANSWERED_AGE = "OldestUnansweredAge"
    # SLA alarms whose moment passed with no ring, set again by the follow-up function's sweep.
    SLA_ALARMS_SET_AGAIN = "SlaAlarmsSetAgain"

    # Agents' work (the agent API).
    TIME_TO_FIRST_RESPONSE = "TimeToFirstResponse"
    TIME_TO_NEXT_RESPONSE = "TimeToNextResponse"
    FIRST_RESPONSES_LATE = "FirstResponsesLate"
    RESPONSE_RATE = "ResponseRate"
    ROUTING_CORRECTIONS = "RoutingCorrections"
    CASE_TOO_LARGE = "CaseTooLarge"
    SURVEY_SCHEDULE_FAILURES = "SurveyScheduleFailures"

    # Replies on X and their reconciliation.
    REPLIES_SENT = "RepliesSent"
    REPLY_PARTS = "ReplyParts"
    REPLY_FAILURES = "ReplyFailures"
    DELIVERIES_RECONCILED = "DeliveriesReconciled"
    DELIVERIES_FAILED_UNATTENDED = "DeliveriesFailedUnattended"

    # X spend (every function that calls X) and a brand's daily X budget used (the poll function).
    X_SPEND_USD = "XSpendUsd"
    X_BUDGET_USED_PERCENT = "XBudgetUsedPercent"
    X_SPEND_NOT_SAVED = "XSpendNotSaved"  # counters an invocation could not write (kept for the next)

    # Satisfaction surveys.
    SURVEYS_SENT = "SurveysSent"
    CSAT = "Csat"
