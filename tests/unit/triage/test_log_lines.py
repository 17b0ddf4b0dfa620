"""The Classify and Route steps' log lines (carebird.triage.log_lines): the decisions, not the reasons and
confidences the case keeps."""

from __future__ import annotations

import json

from carebird.classifier import DefaultClassifier, MentionFeatures
from carebird.triage.log_lines import classification_summary, outcome_summary


def test_a_classification_is_logged_as_its_decisions_in_a_tenth_of_its_size() -> None:
    full = (
        DefaultClassifier()
        .classify(MentionFeatures(text="my bag never arrived and nobody answers the phone", lang="en"), None)
        .to_dict()
    )
    summary = classification_summary(full)
    assert summary["sentiment"] == full["sentiment"]["label"] == "negative"
    assert summary["priority"] == full["priority"]["level"]
    assert set(summary) == {
        "sentiment", "skill", "language", "spam", "needs_response", "time_critical", "wants_dm", "priority",
    }  # fmt: skip
    assert len(json.dumps(summary)) * 4 < len(json.dumps(full))


def test_an_outcome_keeps_what_was_decided_and_drops_the_bookkeeping() -> None:
    outcome = {
        "case_id": "acme-t1", "status": "queued", "queue": "billing", "priority": "P2", "assignee": None,
        "threaded": False, "first_response_due": "2026-12-07T10:00:00Z", "reason": "x" * 300,
        "await_first_response": False, "watch": None,
    }  # fmt: skip
    assert outcome_summary(outcome) == {
        "case_id": "acme-t1", "status": "queued", "queue": "billing", "priority": "P2", "threaded": False,
    }  # fmt: skip
    assert outcome_summary({"case_id": "acme-t1", "clock": "first_response", "found": True}) == {
        "case_id": "acme-t1", "clock": "first_response", "found": True,
    }  # fmt: skip
