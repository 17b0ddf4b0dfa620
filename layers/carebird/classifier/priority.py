"""Priority: how soon a person should answer, from what was said, how urgent it is and who can see it.

    score = 20                                   base: every message a person should read
          + 25 * c_s        if sentiment is negative   (c_s: sentiment confidence)
          - 10 * c_s        if sentiment is positive
          + 35 * c_u        if urgent                  (c_u: urgency confidence)
          + min(15, 3 * log10(1 + followers))          reach: 1k followers -> 9, 100k -> 15
          + 10              if the author is verified
          + min(25, 8 * log10(1 + e))                  engagement (a viral complaint is P1):
                                        e = 3 * quotes + 2 * retweets + replies + 0.5 * likes
    clamped to 0..100.

    level = P1 if score >= 70, P2 if score >= 50, P3 if score >= 30, else P4.

An angry, urgent message from anyone is P1 at full confidence (20 + 25 + 35 = 80); a plain complaint
(45) is P3 until reach or engagement lift it, as they should for a complaint many people are watching.
Engagement keeps growing after triage: call `priority` again with the new counts (everything else
unchanged) to re-score.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from carebird.classifier.model import Engagement, Priority

LEVELS: tuple[tuple[float, str], ...] = ((70.0, "P1"), (50.0, "P2"), (30.0, "P3"), (0.0, "P4"))


def engagement_weight(engagement: Engagement) -> float:
    """Quotes and retweets spread a complaint further than replies; likes least."""
    return 3 * engagement.quotes + 2 * engagement.retweets + engagement.replies + 0.5 * engagement.likes


def priority(
    *,
    sentiment: str,
    sentiment_confidence: float,
    urgent: bool,
    urgency_confidence: float,
    followers: int,
    verified: bool,
    engagement: Engagement,
) -> Priority:
    """The priority of a message; the formula is in this module's docstring."""
    reasons: list[str] = []
    score = 20.0
    c_s = _unit(sentiment_confidence)
    if sentiment == "negative":
        score += 25 * c_s
        reasons.append(f"negative (+{25 * c_s:.0f})")
    elif sentiment == "positive":
        score -= 10 * c_s
        reasons.append(f"positive (-{10 * c_s:.0f})")
    if urgent:
        c_u = _unit(urgency_confidence)
        score += 35 * c_u
        reasons.append(f"urgent (+{35 * c_u:.0f})")
    reach = min(15.0, 3 * math.log10(1 + max(0, followers)))
    if reach >= 1:
        score += reach
        reasons.append(f"{followers} followers (+{reach:.0f})")
    if verified:
        score += 10
        reasons.append("verified author (+10)")
    weight = engagement_weight(engagement)
    lift = min(25.0, 8 * math.log10(1 + weight))
    if lift >= 1:
        score += lift
        reasons.append(f"engagement {weight:g} (+{lift:.0f})")
    score = max(0.0, min(100.0, score))
    level = next(name for threshold, name in LEVELS if score >= threshold)
    return Priority(level=level, score=score, reasons=(f"{level} at score {score:.0f}", *reasons))


def priority_from_classification(
    classification: Mapping[str, Any], *, followers: int, verified: bool, engagement: Mapping[str, Any]
) -> Priority:
    """Re-score a stored classification (its `to_dict()` form) with the author's and engagement's
    current numbers: what triage calls when likes and retweets keep coming in."""
    sentiment = classification.get("sentiment") or {}
    urgency = classification.get("urgency") or {}
    return priority(
        sentiment=str(sentiment.get("label", "neutral")),
        sentiment_confidence=_float(sentiment.get("confidence")),
        urgent=bool(urgency.get("value", False)),
        urgency_confidence=_float(urgency.get("confidence")),
        followers=int(followers),
        verified=bool(verified),
        engagement=Engagement.from_mapping(engagement),
    )


def _unit(value: float) -> float:
    return max(0.0, min(1.0, value)) if math.isfinite(value) else 0.0


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0
