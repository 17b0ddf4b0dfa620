"""What the Classify and Route steps' log lines say: the decisions, not the confidences, reasons and
workflow bookkeeping, which the case keeps (its classification and its decisions). A message's two lines
went from about 2 KB to a few hundred bytes of CloudWatch Logs. No imports beyond typing: a handler loads
this at its cold start."""

from __future__ import annotations

from typing import Any

# What the Route step's answer keeps in its line: what was decided (a case routed or threaded, a clock's
# ring), not the legacy watch's fields, the deadlines or the routing reason.
_OUTCOME = ("case_id", "status", "queue", "priority", "assignee", "threaded", "clock", "found")


def classification_summary(classification: dict[str, Any]) -> dict[str, Any]:
    """Each decision's label or value, and the priority level."""
    summary: dict[str, Any] = {}
    for name in ("sentiment", "skill", "language"):
        signal = classification.get(name)
        if isinstance(signal, dict):
            summary[name] = signal.get("label")
    for name in ("spam", "needs_response", "time_critical", "wants_dm"):
        signal = classification.get(name)
        if isinstance(signal, dict):
            summary[name] = signal.get("value")
    priority = classification.get("priority")
    if isinstance(priority, dict):
        summary["priority"] = priority.get("level")
    return summary


def outcome_summary(outcome: dict[str, Any]) -> dict[str, Any]:
    return {key: outcome[key] for key in _OUTCOME if outcome.get(key) is not None}
