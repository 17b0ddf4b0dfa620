"""A brand's trained models decide what they were trained for; the built-in decides the rest."""

from __future__ import annotations

import pytest

from carebird.classifier import BrandRules, MentionFeatures, classifier_for, clear_model_cache
from tests.support.classifier_data import make_examples

pytest.importorskip("sklearn")

from carebird_ops.training import fit_text_model


@pytest.fixture
def skill_model(tmp_path):
    path = tmp_path / "skill.model"
    path.write_bytes(fit_text_model(*make_examples(20, seed=7), target="skill").to_bytes())
    yield str(path)
    clear_model_cache()


@pytest.fixture
def sentiment_model(tmp_path):
    topics = {
        "negative": ["awful delay", "worst service ever", "they lost my bag"],
        "neutral": ["what time is boarding", "which gate", "is there wifi"],
        "positive": ["thanks a lot", "great crew", "love the new seats"],
    }
    path = tmp_path / "sentiment.model"
    path.write_bytes(fit_text_model(*make_examples(20, seed=8, topics=topics)).to_bytes())
    yield str(path)
    clear_model_cache()


def test_the_brands_skill_model_routes_and_the_builtin_does_the_rest(skill_model: str) -> None:
    classifier = classifier_for([skill_model])
    result = classifier.classify(MentionFeatures(text="refund my ticket, I was charged twice"), None)
    assert result.skill.value == "refunds"
    assert any("the brand's model" in r for r in result.reasons)
    assert result.urgency.value is True  # still the built-in's
    assert result.sentiment.value in ("negative", "neutral", "positive")


def test_a_skill_the_brand_does_not_route_is_reported_as_none(skill_model: str) -> None:
    rules = BrandRules(known_skills=frozenset({"baggage"}))
    result = classifier_for([skill_model]).classify(MentionFeatures(text="refund my ticket"), rules)
    assert result.skill.value is None
    assert any("not one of its skills" in r for r in result.reasons)


def test_the_brands_sentiment_model_replaces_the_lexicon(sentiment_model: str) -> None:
    classifier = classifier_for([sentiment_model])
    # A general lexicon finds nothing negative here; the brand's own examples do.
    result = classifier.classify(MentionFeatures(text="they lost my bag"), None)
    assert result.sentiment.value == "negative"
    assert result.needs_response.value is True
    empty = classifier.classify(MentionFeatures(text=""), None)
    assert empty.sentiment.value == "neutral"
