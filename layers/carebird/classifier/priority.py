"""Priority: how soon a person should answer, from what was said, how urgent it is and who can see it.

    score = 20                                   base: every message a person should read
          + 25 * c_s        if sentiment is negative   (c_s: sentiment confidence)
          - 10 * c_s        if sentiment is positive
          + 35 * c_u        if time-critical, unless praise (c_u: urgency confidence)
          + min(15, 3 * log10(1 + followers))          reach: 1k followers -> 9, 100k -> 15
          + 10              if the author is verified
          + min(25, 8 * log10(1 + e))                  engagement (a viral complaint is P1):
                                        e = 3 * quotes + 2 * retweets + replies + 0.5 * likes
    clamped to 0..100, then two floors:
      - a message that needs an answer is never below 30 (P3): P4 is for messages that need none
        (thanks and praise, in the acknowledge lane);
      - a time-critical message that is not praise is never below 50 (P2): the traveller is stuck,
        money or property is lost, an account is locked, safety, or a trip, payment or order in progress
        that the customer complains or asks about.
    Praise (for the built-in classifier: a content message, one with no negation, problem word,
    question, "but" or doubt marker in it that the sentiment or the lexicon reads positive, with or
    without a word of thanks; for a stored classification, positive at confidence >= 0.5) gains nothing
    from time-critical words ("thanks for rebooking my cancelled flight", "safety first, the crew
    handled the storm calmly"). The classifier also withholds them, naming why, from a message that
    speaks of a problem already handled rather than one happening now:
      - a thank-you that reports a problem solved, or praises strongly, without a question or a sarcasm
        marker ("the delay was long, but the crew was amazing"); "thanks, but where is my bag?" and
        thanks for a harm ("thanks for ruining our trip", a sarcasm marker) keep them;
      - credit given for a problem handled, without a question or a plea beside it ("props to the gate
        agent", "A+ work", "crisis averted", superlatives with nothing negated: "the friendliest crew");
      - with a brand's sentiment model, a message that asks nothing (no question word, "but", request or
        sarcasm marker) to which the model gives praise a fair chance (probability >= 0.3).
    A traveller still waiting ("supposed to leave at 8", "yet to board", "a two hour wait") is
    time-critical.

    level = P1 if score >= 70, P2 if score >= 50, P3 if score >= 30, else P4.

Every term that moved the score is named in the reasons ("negative (+22)", "time-critical: money (+35)",
"floor P2: time-critical, not praise"). An angry, time-critical message is P1 at full confidence
(20 + 25 + 35 = 80); a plain complaint (45) is P3 until reach or engagement lift it. Engagement keeps
growing after triage: call `priority` again with the new counts (everything else unchanged) to re-score.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from carebird.classifier.model import Engagement, Priority

LEVELS: tuple[tuple[float, str], ...] = ((70.0, "P1"), (50.0, "P2"), (30.0, "P3"), (0.0, "P4"))
NEEDS_RESPONSE_FLOOR = 30.0  # P3
TIME_CRITICAL_FLOOR = 50.0  # P2
# Positive at this confidence or more is praise: time-critical words in it ("thanks for rebooking my
# cancelled flight") do not raise it.
PRAISE_CONFIDENCE = 0.5


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
    needs_response: bool = True,
    urgent_kinds: Sequence[str] = (),
    praise: bool | None = None,
) -> Priority:
    """The priority of a message; the formula is in this module's docstring. `praise`: the classifier's
    judgement (positive with no sign of trouble); by default, positive at confidence >= 0.5."""
    reasons: list[str] = []
    score = 20.0
    c_s = _unit(sentiment_confidence)
    if sentiment == "negative":
        score += 25 * c_s
        reasons.append(f"negative (+{25 * c_s:.0f})")
    elif sentiment == "positive":
        score -= 10 * c_s
        reasons.append(f"positive (-{10 * c_s:.0f})")
    if praise is None:
        praise = sentiment == "positive" and c_s >= PRAISE_CONFIDENCE
    if urgent and not praise:
        c_u = _unit(urgency_confidence)
        score += 35 * c_u
        kinds = f": {', '.join(urgent_kinds)}" if urgent_kinds else ""
        reasons.append(f"time-critical{kinds} (+{35 * c_u:.0f})")
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
    if needs_response and score < NEEDS_RESPONSE_FLOOR:
        score = NEEDS_RESPONSE_FLOOR
        reasons.append("floor P3: needs an answer (P4 is for messages that need none)")
    if needs_response and urgent and not praise and score < TIME_CRITICAL_FLOOR:
        score = TIME_CRITICAL_FLOOR
        reasons.append("floor P2: time-critical, not praise")
    level = next(name for threshold, name in LEVELS if score >= threshold)
    return Priority(level=level, score=score, reasons=(f"{level} at score {score:.0f}", *reasons))


def priority_from_classification(
    classification: Mapping[str, Any], *, followers: int, verified: bool, engagement: Mapping[str, Any]
) -> Priority:
    """Re-score a stored classification (its `to_dict()` form) with the author's and engagement's
    current numbers: what triage calls when a case opens and when likes and retweets keep coming in.
    The classifier's `time_critical` judgement (urgent words that count: not praise, a thank-you or a
    content message) is kept as it was; a classification stored without it falls back to its urgency,
    with positive at confidence >= 0.5 as praise."""
    sentiment = classification.get("sentiment") or {}
    urgency = classification.get("urgency") or {}
    needs = classification.get("needs_response") or {}
    judged = classification.get("time_critical")
    praise: bool | None = None
    if isinstance(judged, Mapping) and "value" in judged:
        urgent, praise = bool(judged["value"]), False
    else:
        urgent = bool(urgency.get("value", False))
    return priority(
        sentiment=str(sentiment.get("label", "neutral")),
        sentiment_confidence=_float(sentiment.get("confidence")),
        urgent=urgent,
        praise=praise,
        urgency_confidence=_float(urgency.get("confidence")),
        followers=int(followers),
        verified=bool(verified),
        engagement=Engagement.from_mapping(engagement),
        needs_response=bool(needs.get("value", True)) if isinstance(needs, Mapping) else True,
        urgent_kinds=_urgent_kinds(classification),
    )


def _urgent_kinds(classification: Mapping[str, Any]) -> tuple[str, ...]:
    """The kinds named in the classifier's urgency reason, "urgent (money, safety): ..."."""
    for reason in classification.get("reasons") or ():
        if isinstance(reason, str) and reason.startswith("urgent (") and ")" in reason:
            return tuple(k.strip() for k in reason[len("urgent (") : reason.index(")")].split(","))
    return ()


def _unit(value: float) -> float:
    return max(0.0, min(1.0, value)) if math.isfinite(value) else 0.0


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0
