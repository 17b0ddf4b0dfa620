from __future__ import annotations

from carebird.cases.model import Customer
from carebird.triage.priority import ClassifierPriority

ANGRY = {"sentiment": {"label": "negative", "confidence": 0.9}, "urgency": {"value": True, "confidence": 0.9}}
CALM = {
    "sentiment": {"label": "positive", "confidence": 0.9},
    "urgency": {"value": False, "confidence": 0.9},
    "needs_response": {"value": False, "confidence": 0.7},
}
NOBODY = Customer(id="1", followers=10)
POLICY = ClassifierPriority()


def test_an_urgent_angry_complaint_outranks_a_calm_message() -> None:
    assert POLICY.score(ANGRY, NOBODY, {})[0] == "P1"
    assert POLICY.score(CALM, NOBODY, {})[0] == "P4"


def test_reach_and_virality_raise_a_plain_complaint() -> None:
    complaint = {"sentiment": {"label": "negative", "confidence": 0.9}}
    quiet = POLICY.score(complaint, NOBODY, {})
    viral = POLICY.score(complaint, NOBODY, {"retweet_count": 4000, "quote_count": 500, "like_count": 20000})
    assert viral[1] > quiet[1] and viral[0] < quiet[0]  # "P2" < "P3": higher priority


def test_the_reason_names_what_counted() -> None:
    _, _, reason = POLICY.score(ANGRY, Customer(id="2", followers=5000, verified=True), {})
    assert "negative" in reason and "time-critical" in reason and "verified" in reason
