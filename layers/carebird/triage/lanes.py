"""Where a message that needs no work goes: closed automatically, or the acknowledge lane.

The workflow's Choice sends two kinds of message to close_noise: spam, and messages that need no answer.
Only spam is closed without a person, and only when the classifier is sure from a strong signal (a scam
pattern with a link, follow-for-follow bait, bot-like repetition; carebird.classifier.builtin): those cases
stay listed as closed automatically, where an agent restores one in one action. Thanks and praise go to
the brand's low-priority acknowledge lane (a queue), where an agent likes or thanks them, or resolves a
batch; a brand may opt in to closing them instead (`close_no_action`), at the price measured in the
README (complaints the classifier takes for praise would be closed unseen).
"""

from __future__ import annotations

from typing import Any, Literal

from carebird.brands.desk import TriageConfig

Lane = Literal["closed", "acknowledge"]
CLOSED_AUTOMATICALLY = "closed automatically"


def _signal(classification: dict[str, Any], key: str) -> tuple[Any, float]:
    signal = classification.get(key)
    if isinstance(signal, dict):
        return signal.get("label", signal.get("value")), float(signal.get("confidence", 1.0))
    return signal, 1.0


def is_noise(classification: dict[str, Any]) -> bool:
    """What the workflow's Choice (NoiseOrWork) sends to close_noise: spam, or no response needed."""
    spam, _ = _signal(classification, "spam")
    needs, _ = _signal(classification, "needs_response")
    return spam is True or needs is False


def noise_lane(classification: dict[str, Any], config: TriageConfig) -> tuple[Lane, str]:
    """(lane, reason) for a message the workflow sent to close_noise."""
    spam, spam_confidence = _signal(classification, "spam")
    if spam is True:
        why = [r for r in classification.get("reasons", []) if isinstance(r, str) and "spam" in r.lower()]
        detail = f": {'; '.join(why)}" if why else ""
        return "closed", f"{CLOSED_AUTOMATICALLY}: spam (confidence {spam_confidence:.2f}){detail}"
    _, confidence = _signal(classification, "needs_response")
    if config.close_no_action:
        return "closed", (
            f"{CLOSED_AUTOMATICALLY}: needs no response, thanks or praise (confidence {confidence:.2f}); "
            "the brand closes praise (close_no_action)"
        )
    return "acknowledge", (
        f"needs no response, thanks or praise (confidence {confidence:.2f}): "
        f"{config.acknowledge_queue} lane, to like, thank or resolve"
    )


def decide(classification: dict[str, Any], config: TriageConfig) -> str:
    """Where triage puts a new case, as one word: "closed", "acknowledge", or its priority (P1..P4).
    The benchmark (carebird_ops.bench.triage_quality) measures the product's decisions through this."""
    if is_noise(classification):
        lane, _ = noise_lane(classification, config)
        return lane
    level = (classification.get("priority") or {}).get("level")
    return str(level or "P4")
