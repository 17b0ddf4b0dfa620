"""Classify a customer's message: sentiment, skill, language, urgency, needs-response, spam, priority.

`classifier_for(model_sources)` gives the classifier for a brand: the built-in rules and lexicon
(`DefaultClassifier`) or, when the brand has trained models, those models for what they were trained on.
Trained models are `TextModel` artifacts made by `carebird train`, read with `load_model` (local path or
s3://bucket/key). Everything here is pure Python: no numpy, no scikit-learn.
"""

from carebird.classifier.brand import BrandModelClassifier, classifier_for
from carebird.classifier.builtin import DefaultClassifier
from carebird.classifier.loading import ModelUnavailable, clear_model_cache, load_model
from carebird.classifier.model import (
    BrandRules,
    Classification,
    Engagement,
    MentionClassifier,
    MentionFeatures,
    Priority,
    Signal,
)
from carebird.classifier.priority import priority, priority_from_classification
from carebird.classifier.textmodel import InvalidModel, Prediction, TextModel

__all__ = [
    "BrandModelClassifier",
    "BrandRules",
    "Classification",
    "DefaultClassifier",
    "Engagement",
    "InvalidModel",
    "MentionClassifier",
    "MentionFeatures",
    "ModelUnavailable",
    "Prediction",
    "Priority",
    "Signal",
    "TextModel",
    "classifier_for",
    "clear_model_cache",
    "load_model",
    "priority",
    "priority_from_classification",
]
