"""Priority: the documented formula, and re-scoring as engagement grows."""

from __future__ import annotations

import pytest

from carebird.classifier import Engagement, priority, priority_from_classification


def _score(**overrides: object) -> tuple[str, float]:
    args: dict[str, object] = {
        "sentiment": "neutral",
        "sentiment_confidence": 1.0,
        "urgent": False,
        "urgency_confidence": 1.0,
        "followers": 0,
        "verified": False,
        "engagement": Engagement(),
    }
    args.update(overrides)
    result = priority(**args)  # type: ignore[arg-type]
    return result.level, result.score


def test_formula_examples_from_the_docstring() -> None:
    assert _score() == ("P4", 20.0)
    assert _score(sentiment="negative") == ("P3", 45.0)
    assert _score(sentiment="negative", urgent=True) == ("P1", 80.0)
    assert _score(sentiment="positive") == ("P4", 10.0)
    level, score = _score(sentiment="negative", followers=999)
    assert level == "P2" and score == pytest.approx(54.0)
    assert _score(verified=True)[1] == 30.0


def test_score_is_bounded() -> None:
    huge = Engagement(retweets=10**9, quotes=10**9, likes=10**9, replies=10**9)
    assert (
        _score(sentiment="negative", urgent=True, followers=10**9, verified=True, engagement=huge)[1] == 100.0
    )
    assert _score(sentiment="positive", sentiment_confidence=float("nan"))[1] == 20.0


def test_rescoring_a_stored_classification_as_engagement_grows() -> None:
    stored = {
        "sentiment": {"label": "negative", "confidence": 0.9},
        "urgency": {"value": False, "confidence": 0.7},
    }
    before = priority_from_classification(stored, followers=200, verified=False, engagement={})
    after = priority_from_classification(
        stored,
        followers=200,
        verified=False,
        engagement={"retweet_count": 400, "quote_count": 120, "like_count": 3000},
    )
    assert after.score > before.score
    assert (before.level, after.level) == ("P3", "P1")
    assert any("engagement" in r for r in after.reasons)


def test_rescoring_tolerates_missing_and_malformed_fields() -> None:
    result = priority_from_classification(
        {"sentiment": {"confidence": "high"}}, followers=0, verified=False, engagement={"likes": "many"}
    )
    assert result.level == "P4"
