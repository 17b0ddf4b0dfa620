"""Triage's lane decision for a text, as the product makes it: a classifier (the built-in one, or a brand's
with a fixed sentiment model), then carebird.triage.lanes.decide under the default config."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from carebird.brands.desk import load_triage_config
from carebird.classifier import BrandModelClassifier, DefaultClassifier, Engagement, MentionFeatures
from carebird.classifier.textmodel import Prediction
from carebird.triage.classify import brand_rules
from carebird.triage.lanes import decide

CONFIG = load_triage_config(None)
RULES = brand_rules(CONFIG)


@dataclass
class FixedSentimentModel:
    """A brand's sentiment model that reads every message the same way (a fake of TextModel)."""

    label: str
    confidence: float
    target: str = "sentiment"
    others: tuple[tuple[str, float], ...] = ()  # the other classes' probabilities

    def predict(self, text: str) -> Prediction:
        return Prediction(self.label, self.confidence, {self.label: self.confidence, **dict(self.others)})


def with_model(label: str, confidence: float, **others: float) -> BrandModelClassifier:
    """A brand's classifier whose sentiment model reads every message as `label` at `confidence` (and
    gives the other classes the probabilities in `others`, e.g. positive=0.35)."""
    model = FixedSentimentModel(label, confidence, others=tuple(others.items()))
    return BrandModelClassifier([model])  # type: ignore[list-item]


def decided(
    text: str, classifier: DefaultClassifier | None = None, **features: Any
) -> tuple[str, dict[str, object]]:
    """(lane, classification) for a message with this text (and MentionFeatures' other fields)."""
    features.setdefault("lang", "en")
    features.setdefault("engagement", Engagement())
    mention = MentionFeatures(text=text, **features)
    classification = (classifier or DefaultClassifier()).classify(mention, RULES).to_dict()
    return decide(classification, CONFIG), classification


def reasons(classification: dict[str, object]) -> str:
    return " | ".join(classification["reasons"])  # type: ignore[arg-type]
