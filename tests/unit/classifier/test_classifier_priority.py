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
    assert _score(needs_response=False) == ("P4", 20.0)
    assert _score(sentiment="negative") == ("P3", 45.0)
    assert _score(sentiment="negative", urgent=True) == ("P1", 80.0)
    assert _score(sentiment="positive", needs_response=False) == ("P4", 10.0)
    level, score = _score(sentiment="negative", followers=999)
    assert level == "P2" and score == pytest.approx(54.0)
    assert _score(verified=True, needs_response=False)[1] == 30.0


def test_a_message_that_needs_an_answer_is_never_p4() -> None:
    level, score = _score(sentiment="positive")
    assert (level, score) == ("P3", 30.0)
    result = priority(
        sentiment="neutral",
        sentiment_confidence=1.0,
        urgent=False,
        urgency_confidence=1.0,
        followers=0,
        verified=False,
        engagement=Engagement(),
    )
    assert any(r.startswith("floor P3") for r in result.reasons)


def test_a_time_critical_complaint_is_at_least_p2_and_praise_is_not_raised() -> None:
    # An unsure complaint with an unsure urgency (20 + 5 + 3.5) still reaches the P2 floor.
    assert _score(sentiment="negative", sentiment_confidence=0.2, urgent=True, urgency_confidence=0.1) == (
        "P2",
        50.0,
    )
    # "Thanks for rebooking my cancelled flight": confident praise gains nothing from the words.
    assert _score(sentiment="positive", sentiment_confidence=0.9, urgent=True)[0] == "P3"
    result = priority(
        sentiment="negative",
        sentiment_confidence=0.9,
        urgent=True,
        urgency_confidence=0.9,
        followers=0,
        verified=False,
        engagement=Engagement(),
        urgent_kinds=("money",),
    )
    assert "time-critical: money (+32)" in result.reasons


def test_score_is_bounded() -> None:
    huge = Engagement(retweets=10**9, quotes=10**9, likes=10**9, replies=10**9)
    assert (
        _score(sentiment="negative", urgent=True, followers=10**9, verified=True, engagement=huge)[1] == 100.0
    )
    assert _score(sentiment="positive", sentiment_confidence=float("nan"), needs_response=False)[1] == 20.0


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
    assert result.level == "P3"  # a stored classification without needs_response is treated as needing one
    praise = priority_from_classification(
        {"needs_response": {"value": False}}, followers=0, verified=False, engagement={}
    )
    assert praise.level == "P4"


@pytest.mark.parametrize(
    "text",
    [
        "@AcmeHelp thanks for rebooking my cancelled train",  # a thank-you: its urgency is not counted
        "@AcmeHelp safety first, the crew handled the storm calmly",  # content: idem
        "@AcmeHelp my luggage is somewhere in a warehouse, please help",  # a request: counted
        "@AcmeHelp my flight was cancelled and nobody answers",  # a complaint: counted
    ],
)
def test_rescoring_keeps_the_classifiers_judgement_of_what_is_time_critical(text: str) -> None:
    # Triage sets a case's priority by re-scoring the stored classification: it must be the classifier's.
    from carebird.classifier import DefaultClassifier, MentionFeatures

    classification = DefaultClassifier().classify(MentionFeatures(text=text), None)
    stored = classification.to_dict()
    rescored = priority_from_classification(stored, followers=0, verified=False, engagement={})
    assert (rescored.level, rescored.score) == (classification.priority.level, classification.priority.score)
    assert stored["time_critical"]["value"] is any(r.startswith("time-critical") for r in rescored.reasons)


def test_a_classification_stored_without_the_judgement_falls_back_to_its_urgency() -> None:
    stored = {
        "sentiment": {"label": "negative", "confidence": 0.6},
        "urgency": {"value": True, "confidence": 0.6},
        "needs_response": {"value": True, "confidence": 0.9},
    }
    assert priority_from_classification(stored, followers=0, verified=False, engagement={}).level == "P2"
    judged = {**stored, "time_critical": {"value": False, "confidence": 0.6}}
    assert priority_from_classification(judged, followers=0, verified=False, engagement={}).level == "P3"
