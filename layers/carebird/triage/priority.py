"""Case priority: how much harm waiting does, from what the customer said, who they are, and who is watching.

    score = 100 * (0.35 * negativity + 0.30 * urgency + 0.20 * reach + 0.15 * engagement)

    negativity  sentiment confidence if negative; 0.3 x confidence if neutral; 0 if positive
    urgency     the urgency signal's confidence when urgent terms were found (cancelled, stranded,
                charged twice, ...), else 0
    reach       log10(followers + 1) / 6, capped at 1 (a million followers is full reach);
                a verified account adds 0.3, still capped at 1
    engagement  log10(1 + 2 x retweets + 3 x quotes + likes + replies) / 4, capped at 1
                (about 10,000 weighted interactions is a post going viral)

    level       P1 at 70 or more, P2 at 45, P3 at 20, else P4

The same function re-scores an open case when its engagement grows, so a complaint going viral moves up.
"""

from __future__ import annotations

import math
from typing import Any

from carebird.triage.model import Customer

WEIGHTS = {"negativity": 0.35, "urgency": 0.30, "reach": 0.20, "engagement": 0.15}
LEVELS = ((70.0, "P1"), (45.0, "P2"), (20.0, "P3"))


def _signal(classification: dict[str, Any], key: str) -> tuple[Any, float]:
    value = classification.get(key)
    if isinstance(value, dict):
        return value.get("label", value.get("value")), float(value.get("confidence", 1.0))
    return value, 1.0


def components(
    classification: dict[str, Any], customer: Customer, engagement: dict[str, int]
) -> dict[str, float]:
    sentiment, confidence = _signal(classification, "sentiment")
    negativity = (
        confidence if sentiment == "negative" else 0.3 * confidence if sentiment == "neutral" else 0.0
    )
    urgent, urgency_confidence = _signal(classification, "urgency")
    urgency = urgency_confidence if urgent else 0.0
    reach = min(1.0, math.log10(max(0, customer.followers) + 1) / 6 + (0.3 if customer.verified else 0.0))
    weighted = (
        2 * engagement.get("retweet_count", 0)
        + 3 * engagement.get("quote_count", 0)
        + engagement.get("like_count", 0)
        + engagement.get("reply_count", 0)
    )
    return {
        "negativity": negativity,
        "urgency": urgency,
        "reach": reach,
        "engagement": min(1.0, math.log10(1 + max(0, weighted)) / 4),
    }


def score(
    classification: dict[str, Any], customer: Customer, engagement: dict[str, int]
) -> tuple[str, float, str]:
    parts = components(classification, customer, engagement)
    total = round(100 * sum(WEIGHTS[name] * value for name, value in parts.items()), 1)
    level = next((name for threshold, name in LEVELS if total >= threshold), "P4")
    strongest = sorted(parts, key=lambda name: WEIGHTS[name] * parts[name], reverse=True)
    why = ", ".join(f"{name} {parts[name]:.2f}" for name in strongest if parts[name] > 0) or "no risk signals"
    return level, total, f"score {total:g} ({why})"


class ClassifierPriority:
    """The PriorityPolicy triage uses: the formula above."""

    def score(
        self, classification: dict[str, Any], customer: Customer, engagement: dict[str, int]
    ) -> tuple[str, float, str]:
        return score(classification, customer, engagement)
