from __future__ import annotations

from carebird.triage.model import Customer
from carebird.triage.priority import score

ANGRY = {"sentiment": {"label": "negative", "confidence": 0.9}, "urgency": {"value": True, "confidence": 0.9}}
CALM = {"sentiment": {"label": "positive", "confidence": 0.9}, "urgency": {"value": False, "confidence": 0.9}}
NOBODY = Customer(id="1", followers=10)


def test_an_urgent_angry_complaint_outranks_a_calm_question() -> None:
    assert score(ANGRY, NOBODY, {})[0] == "P2"
    assert score(CALM, NOBODY, {})[0] == "P4"


def test_reach_and_virality_raise_the_level() -> None:
    celebrity = Customer(id="2", followers=2_000_000, verified=True)
    viral = {"retweet_count": 4000, "quote_count": 500, "like_count": 20000}
    assert score(ANGRY, celebrity, viral)[0] == "P1"
    assert score(ANGRY, NOBODY, viral)[1] > score(ANGRY, NOBODY, {})[1]


def test_the_reason_names_the_signals_that_counted() -> None:
    _, value, reason = score(ANGRY, NOBODY, {})
    assert reason.startswith(f"score {value:g} (")
    assert "negativity 0.90" in reason and "urgency 0.90" in reason


def test_missing_signals_are_no_risk_not_an_error() -> None:
    assert score({}, Customer(id="3"), {}) == ("P4", 0.0, "score 0 (no risk signals)")
