"""Training text classifiers for routing (sentiment, or topic -> skill) from a brand's labelled examples.

Needs the dev extra (scikit-learn, numpy). The result is a `carebird.classifier.TextModel`, which the
runtime scores in pure Python.
"""

from carebird_ops.training.data import LabelledExamples, TrainingDataError, read_labelled_csv
from carebird_ops.training.trainer import TrainingOptions, fit_text_model, infer_target

__all__ = [
    "LabelledExamples",
    "TrainingDataError",
    "TrainingOptions",
    "fit_text_model",
    "infer_target",
    "read_labelled_csv",
]
