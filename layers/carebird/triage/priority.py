"""Case priority for triage: the classifier's documented formula (carebird.classifier.priority), applied
with the customer's reach and the message's current engagement, so a complaint going viral moves up."""

from __future__ import annotations

from typing import Any

from carebird.cases.model import Customer
from carebird.classifier.priority import priority_from_classification


class ClassifierPriority:
    """The PriorityPolicy triage uses."""

    def score(
        self, classification: dict[str, Any], customer: Customer, engagement: dict[str, int]
    ) -> tuple[str, float, str]:
        result = priority_from_classification(
            classification, followers=customer.followers, verified=customer.verified, engagement=engagement
        )
        return result.level, round(result.score, 1), result.reason
