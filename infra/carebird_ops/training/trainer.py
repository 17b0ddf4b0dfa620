"""Fit the routing text classifier with scikit-learn and export it as a pure-Python `TextModel`.

The recipe, chosen by cross-validation on real customer tweets to airlines (make bench-classify):
tf-idf of word 1-2-grams (with negation marking) and of character 2-5-grams within words, each with
sublinear tf and L2-normalised; a linear SVM with class weights balanced against label frequency (macro-F1
rewards the rare queues as much as the common one). Out-of-fold scores from `calibration_folds` inner folds
of the training data then fit two things: an additive offset per class (the first fixed at 0), chosen by
coordinate search to maximise macro-F1 on those scores, since balanced weights only roughly match what
macro-F1 rewards, and folded into the exported intercepts; and a softmax temperature that turns the offset
margins into honest confidences without changing which label wins.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

import carebird
from carebird.classifier.text import char_ngrams, word_ngrams
from carebird.classifier.textmodel import NgramBlock, TextModel
from carebird_ops.training.data import check_trainable

SENTIMENT_LABELS = frozenset({"negative", "neutral", "positive"})
# Below this many examples a term seen once is kept: a tiny data set would otherwise have no vocabulary.
_SMALL_DATA = 50
_SMOOTHING = 0.02
# Candidate per-class score offsets, in SVM margin units.
_OFFSET_GRID = np.round(np.linspace(-1.0, 1.0, 41), 2)


@dataclass(frozen=True)
class TrainingOptions:
    c: float = 0.1  # the SVM's regularisation: smaller is smoother
    word_max_n: int = 2
    char_min_n: int = 2
    char_max_n: int = 5
    min_df: int = 2  # a term must appear in this many examples (when there are at least 50)
    calibration_folds: int = 3
    class_offsets: bool = True  # fit per-class score offsets for macro-F1 on the out-of-fold scores
    seed: int = 0


def infer_target(labels: Sequence[str]) -> str:
    """ "sentiment" when every label is negative/neutral/positive, "skill" (a topic or queue) otherwise."""
    return "sentiment" if set(labels) <= SENTIMENT_LABELS else "skill"


class _WordAnalyser:
    """Picklable analyser objects (not lambdas), so a fitted vectoriser can be saved or sent to a worker."""

    def __init__(self, max_n: int) -> None:
        self.max_n = max_n

    def __call__(self, text: str) -> list[str]:
        return word_ngrams(text, self.max_n)


class _CharAnalyser:
    def __init__(self, min_n: int, max_n: int) -> None:
        self.min_n, self.max_n = min_n, max_n

    def __call__(self, text: str) -> list[str]:
        return char_ngrams(text, self.min_n, self.max_n)


@dataclass
class FittedClassifier:
    """The scikit-learn side of a trained model: used to export it, and to check the export against."""

    word: TfidfVectorizer
    char: TfidfVectorizer
    svm: LinearSVC
    classes: list[str]
    temperature: float
    options: TrainingOptions
    offsets: np.ndarray  # added to each class's score (in the exported intercept too)

    def features(self, texts: Sequence[str]) -> csr_matrix:
        return hstack([self.word.transform(texts), self.char.transform(texts)]).tocsr()

    def decision_scores(self, texts: Sequence[str]) -> np.ndarray:
        """One score per class (a binary SVM's single margin split as -s/2, +s/2), plus the class offsets,
        as exported."""
        return _per_class(self.svm.decision_function(self.features(texts)), len(self.classes)) + self.offsets

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [self.classes[i] for i in self.decision_scores(texts).argmax(axis=1)]

    def export(self, target: str, info: dict[str, Any] | None = None) -> TextModel:
        coef = np.asarray(self.svm.coef_, dtype=np.float64)
        intercept = np.asarray(self.svm.intercept_, dtype=np.float64)
        if len(self.classes) == 2:
            coef = np.vstack([-coef[0] / 2, coef[0] / 2])
            intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
        intercept = intercept + self.offsets
        blocks = (
            _block("word", 1, self.options.word_max_n, self.word),
            _block("char", self.options.char_min_n, self.options.char_max_n, self.char),
        )
        return TextModel(
            target=target,
            classes=tuple(self.classes),
            blocks=blocks,
            weights=_float32_array(coef.ravel()),  # class-major: [class][feature]
            intercept=tuple(float(v) for v in intercept),
            temperature=self.temperature,
            info=dict(info or {}),
        )


def fit_classifier(
    texts: Sequence[str], labels: Sequence[str], options: TrainingOptions | None = None
) -> FittedClassifier:
    """Fit vectorisers, SVM and confidence temperature on (texts, labels). Raises TrainingDataError."""
    options = options or TrainingOptions()
    check_trainable(list(labels), "training data")
    min_df = options.min_df if len(texts) >= _SMALL_DATA else 1
    word = TfidfVectorizer(analyzer=_WordAnalyser(options.word_max_n), sublinear_tf=True, min_df=min_df)
    char = TfidfVectorizer(
        analyzer=_CharAnalyser(options.char_min_n, options.char_max_n), sublinear_tf=True, min_df=min_df
    )
    x = hstack([word.fit_transform(texts), char.fit_transform(texts)]).tocsr()
    y = np.asarray(labels)
    svm = _svm(options).fit(x, y)
    classes = [str(c) for c in svm.classes_]
    offsets, temperature = np.zeros(len(classes)), 1.0
    scores = _out_of_fold_scores(x, y, classes, options)
    if scores is not None:
        if options.class_offsets:
            offsets = fit_class_offsets(scores, y, classes)
        temperature = _fit_temperature(scores + offsets, y, classes)
    return FittedClassifier(word, char, svm, classes, temperature, options, offsets)


def fit_text_model(
    texts: Sequence[str],
    labels: Sequence[str],
    target: str | None = None,
    options: TrainingOptions | None = None,
    info: dict[str, Any] | None = None,
) -> TextModel:
    """Train and export in one step: the artifact's `info` records what it was trained on and how."""
    fitted = fit_classifier(texts, labels, options)
    record = {
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "carebird": carebird.__version__,
        "examples": len(texts),
        "label_counts": dict(sorted(Counter(labels).items())),
        "algorithm": (
            f"tf-idf word 1-{fitted.options.word_max_n}-grams + char {fitted.options.char_min_n}-"
            f"{fitted.options.char_max_n}-grams, linear SVM (C={fitted.options.c}, balanced classes)"
            + (", class offsets for macro-F1" if fitted.offsets.any() else "")
        ),
        **(info or {}),
    }
    return fitted.export(target or infer_target(labels), record)


def _svm(options: TrainingOptions) -> LinearSVC:
    return LinearSVC(C=options.c, class_weight="balanced", random_state=options.seed)


def _per_class(scores: np.ndarray, k: int) -> np.ndarray:
    if k == 2 and scores.ndim == 1:
        return np.column_stack([-scores / 2, scores / 2])
    return scores


def _out_of_fold_scores(
    x: csr_matrix, y: np.ndarray, classes: list[str], options: TrainingOptions
) -> np.ndarray | None:
    """Each training example's class scores from an SVM fitted on the other inner folds; None when the
    data are too few for `calibration_folds` folds with every class in each fold's training part."""
    folds = min(options.calibration_folds, min(Counter(y.tolist()).values()))
    if folds < 2:
        return None
    scores = np.zeros((len(y), len(classes)))
    splitter = StratifiedKFold(folds, shuffle=True, random_state=options.seed)
    for train, held_out in splitter.split(x, y):
        if len(set(y[train].tolist())) < len(classes):
            return None
        model = _svm(options).fit(x[train], y[train])
        scores[held_out] = _per_class(model.decision_function(x[held_out]), len(classes))
    return scores


def _macro_f1(truth: np.ndarray, predicted: np.ndarray, k: int) -> float:
    """Macro-F1 over class indices 0..k-1 (a class never predicted nor present scores 0, as in sklearn)."""
    hits = np.bincount(truth[truth == predicted], minlength=k)
    sizes = np.bincount(truth, minlength=k) + np.bincount(predicted, minlength=k)
    return float((2 * hits / np.maximum(sizes, 1)).mean())


def fit_class_offsets(
    scores: np.ndarray, y: np.ndarray, classes: list[str], grid: np.ndarray = _OFFSET_GRID, passes: int = 3
) -> np.ndarray:
    """Per-class offsets added to `scores` that maximise macro-F1 of the argmax on (scores, y).

    Coordinate search: the first class stays at 0 (only differences matter); each other class in turn takes
    the grid value that scores best with the rest held, until a pass changes nothing. A change must
    strictly improve macro-F1, so on a tie the current offset (0 at the start) stays."""
    k = len(classes)
    truth = np.searchsorted(np.asarray(classes), y)
    offsets = np.zeros(k)
    best = _macro_f1(truth, scores.argmax(axis=1), k)
    for _ in range(passes):
        changed = False
        for c in range(1, k):
            for value in grid:
                trial = offsets.copy()
                trial[c] = value
                f1 = _macro_f1(truth, (scores + trial).argmax(axis=1), k)
                if f1 > best + 1e-12:
                    best, offsets, changed = f1, trial, True
        if not changed:
            break
    return offsets


def _fit_temperature(scores: np.ndarray, y: np.ndarray, classes: list[str]) -> float:
    """The softmax temperature that makes out-of-fold confidences honest (lowest log-loss)."""
    # Targets smoothed a little (2%), so that data a model separates perfectly (a handful of examples)
    # does not drive the temperature to zero and every confidence to 1.0.
    k = len(classes)
    target = np.full((len(y), k), _SMOOTHING / k)
    target[np.arange(len(y)), np.searchsorted(np.asarray(classes), y)] += 1 - _SMOOTHING
    best, best_loss = 1.0, math.inf
    for temperature in np.geomspace(0.05, 5.0, 80):
        z = scores / temperature
        z -= z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = float(-(target * log_p).sum(axis=1).mean())
        if loss < best_loss:
            best, best_loss = float(temperature), loss
    return best


def _block(kind: str, min_n: int, max_n: int, vectoriser: TfidfVectorizer) -> NgramBlock:
    vocabulary: dict[str, int] = vectoriser.vocabulary_
    terms = [""] * len(vocabulary)
    for term, column in vocabulary.items():
        if "\n" in term:  # the artifact separates terms by line breaks; normalise() never leaves one
            raise ValueError(f"term {term!r} contains a line break")
        terms[column] = term
    return NgramBlock(kind, min_n, max_n, tuple(terms), _float32_array(vectoriser.idf_))


def _float32_array(values: np.ndarray) -> array[float]:
    return array("f", np.asarray(values, dtype=np.float32).tobytes())
