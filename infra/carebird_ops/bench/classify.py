"""Routing classifier benchmark on real customer tweets to airlines (`make bench-classify`).

k-fold stratified cross-validation on ../shared/datasets/airline/dev.csv (beside the repository), for
sentiment (3 classes) and negativereason (10 classes, negative tweets only), side by side in one run:
VADER's lexicon, the built-in default classifier, a TF-IDF word+char logistic regression baseline in
scikit-learn, and the carebird model (trained by carebird_ops.training, scored in pure Python from its
exported artifact). Every number is measured on held-out folds; nothing is tuned here.

    python -m carebird_ops.bench.classify [--data DEV_CSV] [--folds 5]

Exits 0 with a message when the data set (or scikit-learn) is absent.
"""

from __future__ import annotations

import argparse
import csv
import os
import pickle
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[3]
DEFAULT_DATA = REPO.parent / "shared" / "datasets" / "airline" / "dev.csv"

# The targets for the carebird model.
TARGET_SENTIMENT_F1 = 0.80
TARGET_REASON_F1 = 0.50
TARGET_MS_PER_TWEET = 1.0
TARGET_ARTIFACT_MB = 20.0
TARGET_LOAD_MS = 100.0
# Latency of scikit-learn's one-tweet-at-a-time predict is measured on this many tweets per fold.
_SKLEARN_LATENCY_SAMPLE = 100


@dataclass
class Row:
    task: str
    system: str
    accuracy: list[float] = field(default_factory=list)
    macro_f1: list[float] = field(default_factory=list)
    ms_per_tweet: list[float] = field(default_factory=list)
    artifact_bytes: list[int] = field(default_factory=list)
    load_ms: list[float] = field(default_factory=list)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m carebird_ops.bench.classify", description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help=f"default: {DEFAULT_DATA}")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="folds run in parallel")
    args = parser.parse_args(argv)
    if not args.data.is_file():
        print(f"bench-classify: skipped, {args.data} is absent (it lives in ../shared beside the repository)")
        return 0
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("bench-classify: skipped, scikit-learn is not installed (pip install -e '.[dev]')")
        return 0
    started = time.perf_counter()
    rows = run(args.data, args.folds, max(1, args.jobs))
    print_table(rows, args.data, args.folds)
    print(f"\nran in {time.perf_counter() - started:.0f} s ({args.jobs} processes)")
    return 0


SYSTEMS: dict[str, str] = {
    "vader": "VADER lexicon (compound +-0.05)",
    "builtin": "carebird built-in default (all signals)",
    "baseline": "TF-IDF word+char LR (sklearn)",
    "carebird": "carebird model (pure Python)",
}
# (task, system) in the table's order; the lexicons have no negativereason to give.
PLAN: tuple[tuple[str, str], ...] = (
    ("sentiment", "vader"),
    ("sentiment", "builtin"),
    ("sentiment", "baseline"),
    ("sentiment", "carebird"),
    ("negativereason", "baseline"),
    ("negativereason", "carebird"),
)
Split = list[tuple[list[int], list[int]]]
# Each worker process's copy of the data: task -> (texts, labels, folds). Set by _load_worker.
_TASKS: dict[str, tuple[list[str], list[str], Split]] = {}


def _read_tasks(data: Path, folds: int) -> dict[str, tuple[list[str], list[str], Split]]:
    with data.open(encoding="utf-8", newline="") as f:
        records = list(csv.DictReader(f))
    texts = [r["text"] for r in records]
    sentiment = [r["airline_sentiment"] for r in records]
    negative = [r for r in records if r["airline_sentiment"] == "negative" and r["negativereason"]]
    reason_texts = [r["text"] for r in negative]
    reasons = [r["negativereason"] for r in negative]
    return {
        "sentiment": (texts, sentiment, _folds(sentiment, folds)),
        "negativereason": (reason_texts, reasons, _folds(reasons, folds)),
    }


def _load_worker(data: Path, folds: int) -> None:
    _TASKS.update(_read_tasks(data, folds))


def run(data: Path, folds: int, jobs: int) -> list[Row]:
    """Every (task, system, fold) as one job, over `jobs` processes; rows come back in PLAN's order."""
    tasks = _read_tasks(data, folds)
    work = [(task, system, fold) for task, system in PLAN for fold in range(folds)]
    # The slowest jobs first, so that the two processes finish together.
    work.sort(key=lambda job: job[1] not in ("baseline", "carebird"))
    with ProcessPoolExecutor(jobs, initializer=_load_worker, initargs=(data, folds)) as pool:
        results = list(pool.map(_run_job, work))
    rows: list[Row] = []
    for task, system in PLAN:
        classes = len(set(tasks[task][1]))
        row = Row(f"{task} ({classes})", SYSTEMS[system])
        for (t, s, _), part in zip(work, results, strict=True):
            if (t, s) == (task, system):
                for name in ("accuracy", "macro_f1", "ms_per_tweet", "artifact_bytes", "load_ms"):
                    getattr(row, name).extend(getattr(part, name))
        rows.append(row)
        print(f"  {row.task} / {row.system}: done", file=sys.stderr)
    return rows


def _run_job(job: tuple[str, str, int]) -> Row:
    task, system, fold = job
    texts, labels, splits = _TASKS[task]
    train, test = splits[fold]
    row = Row(task, SYSTEMS[system])
    test_x = [texts[i] for i in test]
    if system == "vader":
        predicted = _vader(row, test_x)
    elif system == "builtin":
        predicted = _builtin(row, test_x)
    else:
        fit = _baseline if system == "baseline" else _carebird
        predicted = fit(row, [texts[i] for i in train], [labels[i] for i in train], test_x)
    _scores(row, [labels[i] for i in test], predicted)
    return row


def _scores(row: Row, truth: Sequence[str], predicted: Sequence[str]) -> None:
    from sklearn.metrics import accuracy_score, f1_score

    row.accuracy.append(float(accuracy_score(truth, predicted)))
    row.macro_f1.append(float(f1_score(truth, predicted, average="macro")))


def _folds(labels: Sequence[str], folds: int) -> Split:
    from sklearn.model_selection import StratifiedKFold

    splitter = StratifiedKFold(folds, shuffle=True, random_state=0)
    return [(list(a), list(b)) for a, b in splitter.split(list(labels), list(labels))]


def _clock() -> float:
    """CPU seconds of this process: other processes on a shared machine do not inflate it, and on a
    Lambda with its own vCPU it is the latency."""
    return time.process_time()


def _timed_predictions(predict: Callable[[str], str], texts: Sequence[str]) -> tuple[list[str], float]:
    started = _clock()
    predicted = [predict(t) for t in texts]
    return predicted, (_clock() - started) * 1000 / max(1, len(texts))


def _vader(row: Row, test_x: list[str]) -> list[str]:
    """VADER needs no training: it is scored on the same held-out folds as everything else."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    started = _clock()
    analyser = SentimentIntensityAnalyzer()
    row.load_ms.append((_clock() - started) * 1000)

    def predict(text: str) -> str:
        compound = analyser.polarity_scores(text)["compound"]
        return "positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "neutral"

    predicted, ms = _timed_predictions(predict, test_x)
    row.ms_per_tweet.append(ms)
    return predicted


def _builtin(row: Row, test_x: list[str]) -> list[str]:
    """The built-in default's sentiment; its latency is the whole classification (every signal)."""
    from carebird.classifier import DefaultClassifier, MentionFeatures

    classifier = DefaultClassifier()
    classifier.classify(MentionFeatures(text="warm up"), None)

    def predict(text: str) -> str:
        return str(classifier.classify(MentionFeatures(text=text, lang="en"), None).sentiment.value)

    predicted, ms = _timed_predictions(predict, test_x)
    row.ms_per_tweet.append(ms)
    return predicted


def _baseline(row: Row, train_x: list[str], train_y: list[str], test_x: list[str]) -> list[str]:
    """The issue's reference: TF-IDF word 1-2-grams + char_wb 2-5-grams, logistic regression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    pipeline: Any = make_pipeline(
        make_union(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
        ),
        LogisticRegression(max_iter=2000),
    )
    pipeline.fit(train_x, train_y)
    blob = pickle.dumps(pipeline)
    started = _clock()
    pickle.loads(blob)
    row.load_ms.append((_clock() - started) * 1000)
    row.artifact_bytes.append(len(blob))
    predicted = [str(p) for p in pipeline.predict(test_x)]
    _, ms = _timed_predictions(lambda t: str(pipeline.predict([t])[0]), test_x[:_SKLEARN_LATENCY_SAMPLE])
    row.ms_per_tweet.append(ms)
    return predicted


def _carebird(row: Row, train_x: list[str], train_y: list[str], test_x: list[str]) -> list[str]:
    from carebird.classifier import TextModel
    from carebird_ops.training import fit_text_model

    artifact = fit_text_model(train_x, train_y).to_bytes()
    row.artifact_bytes.append(len(artifact))
    started = _clock()
    model = TextModel.from_bytes(artifact)
    row.load_ms.append((_clock() - started) * 1000)
    predicted, ms = _timed_predictions(lambda t: model.predict(t).label, test_x)
    row.ms_per_tweet.append(ms)
    return predicted


def _mean_std(values: list[float], digits: int = 3) -> str:
    if not values:
        return "-"
    spread = statistics.pstdev(values) if len(values) > 1 else 0.0
    return f"{statistics.fmean(values):.{digits}f} ± {spread:.{digits}f}"


def print_table(rows: list[Row], data: Path, folds: int) -> None:
    with data.open(encoding="utf-8", newline="") as f:
        tweets = sum(1 for _ in csv.DictReader(f))
    print(
        f"\nAirline customer tweets ({data.name}, {tweets} tweets): {folds}-fold stratified cross-validation,"
    )
    print("mean ± std over the folds. ms/tweet: CPU time per tweet, in process, one tweet at a time;")
    print(
        "load ms: CPU time to read the artifact (median over folds); artifact: its size (mean over folds).\n"
    )
    header = ("task", "system", "accuracy", "macro-F1", "ms/tweet", "artifact", "load ms")
    lines = [header]
    for r in rows:
        size = f"{statistics.fmean(r.artifact_bytes) / 1e6:.1f} MB" if r.artifact_bytes else "-"
        load = f"{statistics.median(r.load_ms):.0f}" if r.load_ms else "-"
        ms = f"{statistics.fmean(r.ms_per_tweet):.3f}" if r.ms_per_tweet else "-"
        lines.append((r.task, r.system, _mean_std(r.accuracy), _mean_std(r.macro_f1), ms, size, load))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for n, line in enumerate(lines):
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))
    ours = {r.task.split(" ")[0]: r for r in rows if r.system.startswith("carebird model")}
    print("\nTargets for the carebird model:")
    checks = [
        ("sentiment macro-F1", statistics.fmean(ours["sentiment"].macro_f1), ">=", TARGET_SENTIMENT_F1),
        (
            "negativereason macro-F1",
            statistics.fmean(ours["negativereason"].macro_f1),
            ">=",
            TARGET_REASON_F1,
        ),
        (
            "ms per tweet",
            max(statistics.fmean(r.ms_per_tweet) for r in ours.values()),
            "<",
            TARGET_MS_PER_TWEET,
        ),
        ("artifact MB", max(max(r.artifact_bytes) for r in ours.values()) / 1e6, "<", TARGET_ARTIFACT_MB),
        ("load ms (median)", max(statistics.median(r.load_ms) for r in ours.values()), "<", TARGET_LOAD_MS),
    ]
    for name, value, op, target in checks:
        met = value >= target if op == ">=" else value < target
        print(f"  {name:<24} {value:8.3f}  target {op} {target:<6g} {'met' if met else 'NOT MET'}")


if __name__ == "__main__":
    raise SystemExit(main())
