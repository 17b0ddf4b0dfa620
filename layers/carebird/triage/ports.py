"""What routing and the workflow's steps need from outside triage. The case store and the agent directory
are the shared ports of carebird.cases.ports; the SLA watch's are in carebird.sla.ports.

Implementations: carebird.triage.priority (ClassifierPriority), carebird.followup.service (SurveyAnswers),
tests' fakes.
"""

from __future__ import annotations

from typing import Any, Protocol

from carebird.cases.model import Customer


class PriorityPolicy(Protocol):
    def score(
        self, classification: dict[str, Any], customer: Customer, engagement: dict[str, int]
    ) -> tuple[str, float, str]:
        """(level P1..P4, score 0..100, the reason in words)."""
        ...


class SurveyAnswerReader(Protocol):
    def answer(
        self, brand_id: str, customer_id: str, text: str, conversation_id: str | None, is_dm: bool
    ) -> Any:
        """The customer's answer to a survey: an object with .case_id, .score, .reopened; None when the
        message answers no survey (it is routed as any other)."""
        ...
