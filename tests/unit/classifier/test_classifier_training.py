"""Training in scikit-learn, scoring in pure Python: the two must agree, and the model must learn."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from carebird.classifier import InvalidModel, TextModel, clear_model_cache, load_model
from tests.support.classifier_data import make_examples

# Training is the dev extra's job: without scikit-learn these tests have nothing to test.
pytest.importorskip("sklearn")

import numpy as np

from carebird_ops.training import TrainingDataError, TrainingOptions, fit_text_model, infer_target
from carebird_ops.training.trainer import fit_class_offsets, fit_classifier


def test_a_trained_model_separates_obviously_different_classes(examples, held_out) -> None:
    model = fit_text_model(*examples)
    texts, labels = held_out
    predicted = [model.predict(t).label for t in texts]
    accuracy = sum(p == y for p, y in zip(predicted, labels, strict=True)) / len(labels)
    assert accuracy >= 0.95
    assert model.target == "skill"
    assert model.predict("my suitcase is lost, where is my bag").label == "baggage"
    assert model.predict("please refund my ticket").label == "refunds"


def test_pure_python_scores_match_scikit_learn_on_held_out_data(examples, held_out) -> None:
    fitted = fit_classifier(*examples)
    model = TextModel.from_bytes(fitted.export("skill").to_bytes())
    texts = [*held_out[0], "words the model never saw", "", "😀 🙃", "https://t.co/x @someone"]
    expected = fitted.decision_scores(texts)
    for text, row in zip(texts, expected, strict=True):
        ours = model.scores(text)
        assert ours == pytest.approx(list(row), abs=1e-5), text
    assert [model.predict(t).label for t in texts] == fitted.predict(texts)


def test_two_classes_export_as_two_scores_that_agree_with_the_binary_svm() -> None:
    topics = {
        "negative": ["awful delay", "worst service", "lost my bag"],
        "positive": ["thanks a lot", "great crew"],
    }
    texts, labels = make_examples(25, seed=3, topics=topics)
    fitted = fit_classifier(texts, labels)
    model = TextModel.from_bytes(fitted.export(infer_target(labels)).to_bytes())
    assert model.classes == ("negative", "positive")
    assert model.target == "sentiment"
    for text, row in zip(texts[:10], fitted.decision_scores(texts[:10]), strict=True):
        assert model.scores(text) == pytest.approx(list(row), abs=1e-5)
    prediction = model.predict("the worst delay, awful")
    assert prediction.label == "negative"
    assert sum(prediction.probabilities.values()) == pytest.approx(1.0)


def _macro_f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(truth, predicted, average="macro"))


def test_class_offsets_move_the_boundary_towards_a_rare_class_for_macro_f1() -> None:
    """Scores that favour the common class: an offset on the rare one buys its recall back."""
    rng = np.random.default_rng(0)
    common, rare = 300, 30
    y = np.array(["common"] * common + ["rare"] * rare)
    # Column 1 (rare) sits 0.4 under where it should: the rare class's scores overlap the boundary.
    margin = np.concatenate([rng.normal(-1.0, 0.5, common), rng.normal(0.0, 0.5, rare)]) - 0.4
    scores = np.column_stack([np.zeros(len(y)), margin])
    offsets = fit_class_offsets(scores, y, ["common", "rare"])
    assert offsets[0] == 0.0
    assert 0.0 < offsets[1] <= 1.0
    before = _macro_f1(y, np.array(["common", "rare"])[scores.argmax(axis=1)])
    after = _macro_f1(y, np.array(["common", "rare"])[(scores + offsets).argmax(axis=1)])
    assert after > before


def test_class_offsets_stay_at_zero_when_nothing_beats_the_plain_argmax() -> None:
    y = np.array(["a", "b", "c"] * 10)
    scores = np.eye(3)[np.searchsorted(["a", "b", "c"], y)]  # every example already right
    assert fit_class_offsets(scores, y, ["a", "b", "c"]).tolist() == [0.0, 0.0, 0.0]


def test_fitted_offsets_are_in_the_exported_intercept() -> None:
    # Overlapping, unbalanced classes, so that the out-of-fold search finds offsets to apply.
    topics = {
        "late": ["flight delayed again", "late departure", "still waiting delayed", "gate agent late"],
        "bags": ["bag delayed", "lost bag", "waiting for my bag", "bag still not here"],
        "staff": ["gate agent rude", "rude crew", "waiting for an agent"],
    }
    texts, labels = make_examples(40, seed=5, topics=topics)
    keep = [i for i, y in enumerate(labels) if y != "staff" or i % 4 == 0]
    texts, labels = [texts[i] for i in keep], [labels[i] for i in keep]
    fitted = fit_classifier(texts, labels)
    plain = fit_classifier(texts, labels, TrainingOptions(class_offsets=False))
    assert plain.offsets.tolist() == [0.0, 0.0, 0.0]
    assert fitted.offsets[0] == 0.0 and fitted.offsets.any()
    exported = fitted.export("skill")
    assert list(exported.intercept) == pytest.approx(list(fitted.svm.intercept_ + fitted.offsets))
    model = TextModel.from_bytes(exported.to_bytes())
    for text, row in zip(texts[:20], fitted.decision_scores(texts[:20]), strict=True):
        assert model.scores(text) == pytest.approx(list(row), abs=1e-5)
    unshifted = plain.svm.decision_function(plain.features(texts[:20]))
    assert fitted.decision_scores(texts[:20]) == pytest.approx(unshifted + fitted.offsets)


def test_confidence_is_a_probability_and_higher_for_clear_texts(examples) -> None:
    model = fit_text_model(*examples)
    clear = model.predict("I want a refund, refund my ticket")
    vague = model.predict("today at the airport")
    assert 0.0 < vague.confidence < clear.confidence <= 1.0
    assert clear.confidence > 0.5


def test_training_refuses_a_single_label() -> None:
    with pytest.raises(TrainingDataError, match="two labels"):
        fit_text_model(["a b", "c d", "e f"], ["x", "x", "x"])


def test_artifact_round_trip_and_damage(tmp_path: Path, examples) -> None:
    model = fit_text_model(*examples, info={"source": "made in the test"})
    data = model.to_bytes()
    again = TextModel.from_bytes(data)
    assert again.classes == model.classes
    assert again.info["source"] == "made in the test"
    assert again.predict("where is my bag") == model.predict("where is my bag")

    with pytest.raises(InvalidModel, match="gzip"):
        TextModel.from_bytes(b"not a model", "broken.model")
    with pytest.raises(InvalidModel, match=r"not a carebird\.text-model"):
        TextModel.from_bytes(gzip.compress(json.dumps({"format": "other"}).encode()))
    doc = json.loads(gzip.decompress(data))
    doc["weights"] = doc["weights"][:-8]
    with pytest.raises(InvalidModel, match="weights"):
        TextModel.from_bytes(gzip.compress(json.dumps(doc).encode()), "cut.model")


def test_load_model_reads_a_path_once_per_process(tmp_path: Path, examples) -> None:
    clear_model_cache()
    path = tmp_path / "brand.model"
    path.write_bytes(fit_text_model(*examples).to_bytes())
    first = load_model(path)
    path.write_bytes(b"replaced")  # a warm process keeps what it read
    assert load_model(str(path)) is first
    clear_model_cache()
    with pytest.raises(InvalidModel):
        load_model(path)
    clear_model_cache()


def test_loading_and_scoring_a_model_needs_no_numpy_or_scikit_learn(tmp_path: Path, examples) -> None:
    """The Lambda layer ships neither: the runtime side must not import them, even indirectly."""
    import subprocess
    import sys

    path = tmp_path / "brand.model"
    path.write_bytes(fit_text_model(*examples).to_bytes())
    script = (
        "import sys\n"
        "from carebird.classifier import classifier_for, MentionFeatures\n"
        f"result = classifier_for([{str(path)!r}]).classify(MentionFeatures(text='refund my ticket'), None)\n"
        "assert result.skill.value == 'refunds', result\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('numpy', 'scipy', 'sklearn')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
