"""Choose between a brand's trained models and the built-in classifier."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from carebird.classifier.builtin import DefaultClassifier
from carebird.classifier.loading import ModelUnavailable, load_model
from carebird.classifier.model import BrandRules, Classification, MentionClassifier, MentionFeatures, Signal
from carebird.classifier.ports import ModelObjects
from carebird.classifier.priority import PRAISE_CONFIDENCE
from carebird.classifier.textmodel import InvalidModel, TextModel
from carebird.classifier.vocabulary import Words


class BrandModelClassifier(DefaultClassifier):
    """The built-in classifier, with a brand's trained models deciding what they were trained for.

    A model whose target is "sentiment" replaces the lexicon's sentiment; one whose target is "skill"
    replaces the keyword rules. Everything else (language, urgency, spam, needs-response, priority) is the
    built-in's, computed from the model's answers.
    """

    def __init__(self, models: Sequence[TextModel], problems: Sequence[str] = ()) -> None:
        self._models = {model.target: model for model in models}
        self._problems = tuple(problems)

    def classify(self, mention: MentionFeatures, rules: BrandRules | None) -> Classification:
        result = super().classify(mention, rules)
        if not self._problems:
            return result
        # The brand has a model that could not be loaded: say so on every decision made without it.
        return replace(result, reasons=(*result.reasons, *self._problems))

    def believes_positive(self, sentiment: Signal) -> bool:
        """A brand's sentiment model, trained on its own labelled messages, is believed when it reads a
        message positive at PRAISE_CONFIDENCE or more (as a stored classification is re-scored): its
        time-critical words do not raise it. (A sarcasm marker has already made the reading negative.)"""
        return (
            "sentiment" in self._models
            and sentiment.value == "positive"
            and sentiment.confidence >= PRAISE_CONFIDENCE
        )

    def praise_chance(self, mention: MentionFeatures) -> float | None:
        """The sentiment model's probability of "positive" (None without a sentiment model, or for a
        message with nothing to read)."""
        model = self._models.get("sentiment")
        if model is None or not mention.text:
            return None
        return model.predict(mention.text).probabilities.get("positive", 0.0)

    def sentiment_of(
        self, mention: MentionFeatures, content: str, words: Words, language: str | None, reasons: list[str]
    ) -> Signal:
        model = self._models.get("sentiment")
        if model is None or not content:
            return super().sentiment_of(mention, content, words, language, reasons)
        prediction = model.predict(mention.text)
        reasons.append(f"sentiment {prediction.label}: the brand's model ({prediction.confidence:.2f})")
        return Signal(prediction.label, round(prediction.confidence, 4))

    def skill_of(
        self,
        mention: MentionFeatures,
        content: str,
        words: Words,
        language: str | None,
        rules: BrandRules,
        reasons: list[str],
    ) -> Signal:
        model = self._models.get("skill")
        if model is None or not content:
            return super().skill_of(mention, content, words, language, rules, reasons)
        prediction = model.predict(mention.text)
        if not rules.is_known(prediction.label):
            reasons.append(f"skill unknown: the brand's model said {prediction.label}, not one of its skills")
            return Signal(None, 0.0)
        reasons.append(f"skill {prediction.label}: the brand's model ({prediction.confidence:.2f})")
        return Signal(prediction.label, round(prediction.confidence, 4))


def classifier_for(
    model_sources: Sequence[str | Path] = (), objects: ModelObjects | None = None
) -> MentionClassifier:
    """The classifier for a brand: its trained models (local paths, or s3:// URIs read through `objects`)
    if it has any, else the built-in. A model that cannot be loaded is reported in every classification's
    reasons, and the built-in decides in its place, so a bad model location never stops triage."""
    if not model_sources:
        return DefaultClassifier()
    models: list[TextModel] = []
    problems: list[str] = []
    for source in model_sources:
        try:
            models.append(load_model(source, objects))
        except (ModelUnavailable, InvalidModel) as exc:
            problems.append(f"brand model not used: {exc}")
    return BrandModelClassifier(models, problems)
