"""Triage decisions on real customer tweets to airlines (`make bench-triage-quality`).

What a support lead signs off, measured on ../shared/datasets/airline/dev.csv (beside the repository),
for the built-in rules and for a sentiment model trained on the split's other folds (5-fold, stratified):
- complaints (airline_sentiment == negative) closed with nobody seeing them;
- complaints at each priority (P1..P4, and the acknowledge lane) per complaint reason, and the share at P2+;
- positive tweets at P1/P2;
- tweets closed automatically as spam (all of them are customers writing to a brand: the set holds no
  spam), with the first ones printed so that a person can read them;
- the built-in classifier's sentiment macro-F1;
- the targets again on the folds the rules were tuned on and on the fold held out of tuning (fold 4 by
  default), so that a figure that only holds where it was tuned shows;
- with --gates, candidate gates on the time-critical promotion (carebird_ops.bench.promotion_gates): what
  each would do to positive tweets and complaints at P2+, on the tuning folds and on the held-out fold.
The decision is the product's own, under the default triage config: carebird.triage.lanes.decide for
closed and acknowledged messages, and for a case the priority the router gives it
(carebird.triage.priority.ClassifierPriority, which re-scores the stored classification); the report says
how often that differs from the classifier's own level.
Followers are unknown in the data set; engagement is its retweet count.

    python -m carebird_ops.bench.triage_quality [--data DEV_CSV] [--folds 5] [--show-spam 20] [--held-out 4]
                                                [--gates]

Exits 0 with a message when the data set (or scikit-learn, for the trained model) is absent.
"""

from __future__ import annotations

import argparse
import csv
import os
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carebird_ops.bench.promotion_gates import GateRow

REPO = Path(__file__).resolve().parents[3]
DEFAULT_DATA = REPO.parent / "shared" / "datasets" / "airline" / "dev.csv"

# The targets on the dev split.
TIME_CRITICAL = (
    "Cancelled Flight",
    "Lost Luggage",
    "Damaged Luggage",
    "Late Flight",
    "Flight Booking Problems",
)
TARGET_TIME_CRITICAL_P2 = 0.80
TARGET_POSITIVE_P2 = 0.02
TARGET_SPAM_SHARE = 0.001
LANES = ("P1", "P2", "P3", "P4", "acknowledge", "closed")


@dataclass
class Tally:
    """One system's decisions over the whole split (each tweet decided once, on its held-out fold)."""

    tweets: int = 0
    by_sentiment: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    by_reason: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    closed_as_spam: list[tuple[str, str, str]] = field(default_factory=list)  # (sentiment, reason, text)
    sentiment_truth: list[str] = field(default_factory=list)
    sentiment_predicted: list[str] = field(default_factory=list)
    rescored_differs: int = 0  # cases whose router priority is not the classifier's own level
    gate_rows: list[GateRow] = field(default_factory=list)  # with --gates

    def add(self, record: dict[str, str], lane: str, spam: bool, predicted: str) -> None:
        self.tweets += 1
        truth = record["airline_sentiment"]
        self.by_sentiment[truth][lane] += 1
        if truth == "negative":
            self.by_reason[record["negativereason"] or "(no reason)"][lane] += 1
        if spam and lane == "closed":
            self.closed_as_spam.append((truth, record["negativereason"], record["text"]))
        self.sentiment_truth.append(truth)
        self.sentiment_predicted.append(predicted)

    def merge(self, other: Tally) -> None:
        self.tweets += other.tweets
        for key, counts in other.by_sentiment.items():
            self.by_sentiment[key].update(counts)
        for key, counts in other.by_reason.items():
            self.by_reason[key].update(counts)
        self.closed_as_spam += other.closed_as_spam
        self.sentiment_truth += other.sentiment_truth
        self.sentiment_predicted += other.sentiment_predicted
        self.rescored_differs += other.rescored_differs
        self.gate_rows += other.gate_rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m carebird_ops.bench.triage_quality", description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help=f"default: {DEFAULT_DATA}")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="folds run in parallel")
    parser.add_argument(
        "--show-spam", type=int, default=20, help="spam closures printed for a person to read"
    )
    parser.add_argument(
        "--builtin-only", action="store_true", help="skip the trained model (no sklearn needed)"
    )
    parser.add_argument(
        "--held-out",
        type=int,
        default=4,
        help="the fold kept out of rule tuning: its targets are printed beside the other folds' (-1: none)",
    )
    parser.add_argument(
        "--gates",
        action="store_true",
        help="also measure candidate gates on the time-critical promotion (promotion_gates)",
    )
    args = parser.parse_args(argv)
    if not args.data.is_file():
        print(
            f"bench-triage-quality: skipped, {args.data} is absent "
            "(it lives in ../shared beside the repository)"
        )
        return 0
    systems = ["builtin"]
    if not args.builtin_only:
        try:
            import sklearn  # noqa: F401

            systems.append("model")
        except ImportError:
            print(
                "bench-triage-quality: no scikit-learn, so the built-in rules only (pip install -e '.[dev]')"
            )
    started = time.perf_counter()
    records = _read(args.data)
    splits = _folds([r["airline_sentiment"] for r in records], args.folds)
    jobs = [(system, fold, args.gates) for system in systems for fold in range(args.folds)]
    jobs.sort(key=lambda job: job[0] != "model")  # the slow ones first
    with ProcessPoolExecutor(
        max(1, args.jobs), initializer=_load_worker, initargs=(args.data, args.folds)
    ) as pool:
        parts = list(pool.map(_run_job, jobs))
    tallies: dict[str, Tally] = {system: Tally() for system in systems}
    tuning: dict[str, Tally] = {system: Tally() for system in systems}
    held_out: dict[str, Tally] = {system: Tally() for system in systems}
    for (system, fold, _), part in zip(jobs, parts, strict=True):
        tallies[system].merge(part)
        (held_out if fold == args.held_out else tuning)[system].merge(part)
    del splits
    for system in systems:
        print_report(system, tallies[system], args.show_spam)
        if 0 <= args.held_out < args.folds:
            print_held_out(args.held_out, tuning[system], held_out[system])
        if args.gates:
            from carebird_ops.bench.promotion_gates import print_gates

            print_gates(
                SYSTEM_NAMES[system], tuning[system].gate_rows, held_out[system].gate_rows, TIME_CRITICAL
            )
    print(f"\nran in {time.perf_counter() - started:.0f} s ({args.jobs} processes)")
    return 0


SYSTEM_NAMES = {
    "builtin": "built-in rules (no training)",
    "model": "sentiment model trained on the other folds (carebird train), built-in rules for the rest",
}
_RECORDS: list[dict[str, str]] = []
_SPLITS: list[tuple[list[int], list[int]]] = []


def _read(data: Path) -> list[dict[str, str]]:
    with data.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _folds(labels: Sequence[str], folds: int) -> list[tuple[list[int], list[int]]]:
    from sklearn.model_selection import StratifiedKFold

    splitter = StratifiedKFold(folds, shuffle=True, random_state=0)
    return [(list(a), list(b)) for a, b in splitter.split(list(labels), list(labels))]


def _load_worker(data: Path, folds: int) -> None:
    _RECORDS[:] = _read(data)
    _SPLITS[:] = _folds([r["airline_sentiment"] for r in _RECORDS], folds)


def _classifier(system: str, train: list[int]) -> Any:
    from carebird.classifier import BrandModelClassifier, DefaultClassifier

    if system == "builtin":
        return DefaultClassifier()
    from carebird_ops.training import fit_text_model

    model = fit_text_model(
        [_RECORDS[i]["text"] for i in train], [_RECORDS[i]["airline_sentiment"] for i in train], "sentiment"
    )
    return BrandModelClassifier([model])


def _run_job(job: tuple[str, int, bool]) -> Tally:
    from carebird.brands.desk import load_triage_config
    from carebird.cases.model import Customer
    from carebird.classifier import Engagement, MentionFeatures
    from carebird.triage.classify import brand_rules
    from carebird.triage.lanes import decide
    from carebird.triage.priority import ClassifierPriority
    from carebird_ops.bench.promotion_gates import HIGH, fired, gate_signals

    system, fold, gates = job
    train, test = _SPLITS[fold]
    classifier = _classifier(system, train)
    config = load_triage_config(None)
    rules = brand_rules(config)
    policy = ClassifierPriority()
    customer = Customer(id="bench")  # followers unknown in the data set
    tally = Tally()
    for i in test:
        record = _RECORDS[i]
        retweets = int(record["retweet_count"] or 0)
        mention = MentionFeatures(text=record["text"], lang="en", engagement=Engagement(retweets=retweets))
        classification = classifier.classify(mention, rules).to_dict()
        lane = decide(classification, config)
        if lane not in ("closed", "acknowledge"):
            # The case's priority as the router sets it, from the stored classification.
            routed, _, _ = policy.score(classification, customer, {"retweets": retweets})
            tally.rescored_differs += routed != lane
            lane = routed
        if gates:
            without = lane
            if lane in HIGH and classification["time_critical"]["value"]:
                unpromoted = {**classification, "time_critical": {"value": False, "confidence": 1.0}}
                without, _, _ = policy.score(unpromoted, customer, {"retweets": retweets})
            signals = gate_signals(record["text"], classification, classifier.praise_chance(mention))
            tally.gate_rows.append(
                GateRow(
                    record["airline_sentiment"],
                    record["negativereason"],
                    lane in HIGH,
                    without in HIGH,
                    fired(signals),
                )
            )
        tally.add(
            record, lane, bool(classification["spam"]["value"]), str(classification["sentiment"]["label"])
        )
    return tally


def _macro_f1(truth: list[str], predicted: list[str]) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(truth, predicted, average="macro"))


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def target_figures(tally: Tally) -> list[tuple[str, str]]:
    """The issue's targets as (name, figure) for one tally: what rule tuning is checked against."""
    negative = tally.by_sentiment["negative"]
    positive = tally.by_sentiment["positive"]
    figures = [
        ("complaints closed unseen", str(negative["closed"])),
        ("complaints at P4 (acknowledge lane incl.)", str(negative["P4"] + negative["acknowledge"])),
    ]
    for reason in TIME_CRITICAL:
        counts = tally.by_reason[reason]
        figures.append((f"{reason} at P2+", _pct(counts["P1"] + counts["P2"], sum(counts.values()))))
    figures.append(("positive tweets at P2+", _pct(positive["P1"] + positive["P2"], sum(positive.values()))))
    return figures


def print_held_out(fold: int, tuning: Tally, held_out: Tally) -> None:
    """The targets on the folds the rules were tuned on, and on the fold kept out of tuning."""
    print(
        f"\ntargets on the tuning folds ({tuning.tweets} tweets) "
        f"and on fold {fold}, held out of tuning ({held_out.tweets} tweets):"
    )
    for (name, tuned), (_, held) in zip(target_figures(tuning), target_figures(held_out), strict=True):
        print(f"  {name:<44} {tuned:>8}  {held:>8}")


def print_report(system: str, tally: Tally, show_spam: int) -> None:
    print(f"\n=== {SYSTEM_NAMES[system]}: {tally.tweets} tweets ===")
    negative = tally.by_sentiment["negative"]
    complaints = sum(negative.values())
    print(f"sentiment macro-F1: {_macro_f1(tally.sentiment_truth, tally.sentiment_predicted):.3f}")
    print(
        f"complaints closed unseen: {negative['closed']} of {complaints} "
        f"({_pct(negative['closed'], complaints)})"
    )
    at_p4 = negative["P4"] + negative["acknowledge"]  # the acknowledge lane's cases are P4
    print(f"complaints at P4 (the acknowledge lane included): {at_p4} ({_pct(at_p4, complaints)})")
    print(
        f"if the brand opts in to closing praise (close_no_action): {negative['acknowledge']} complaints "
        f"({_pct(negative['acknowledge'], complaints)}) closed unseen, with "
        f"{tally.by_sentiment['positive']['acknowledge']} positive tweets"
    )
    print(
        "case priority as the router sets it (re-scored from the stored classification): differs from "
        f"the classifier's own level on {tally.rescored_differs} tweets"
    )
    positive = tally.by_sentiment["positive"]
    positives = sum(positive.values())
    high = positive["P1"] + positive["P2"]
    print(f"positive tweets at P1/P2: {high} of {positives} ({_pct(high, positives)})")
    spam = len(tally.closed_as_spam)
    print(
        f"closed as spam: {spam} ({_pct(spam, tally.tweets)} of tweets); every tweet in the split is a "
        "customer writing to a brand, so each is a customer closed unseen (read them below)"
    )
    print("\ncomplaints by reason and lane (share at P2 or higher):")
    header = ("reason", "n", *LANES, "P2+")
    lines: list[tuple[str, ...]] = [header]
    for reason, counts in sorted(tally.by_reason.items(), key=lambda kv: -sum(kv[1].values())):
        n = sum(counts.values())
        lines.append(
            (reason, str(n), *(str(counts[lane]) for lane in LANES), _pct(counts["P1"] + counts["P2"], n))
        )
    n = complaints
    lines.append(
        (
            "all complaints",
            str(n),
            *(str(negative[lane]) for lane in LANES),
            _pct(negative["P1"] + negative["P2"], n),
        )
    )
    for sentiment in ("neutral", "positive"):
        counts = tally.by_sentiment[sentiment]
        n = sum(counts.values())
        lines.append(
            (
                f"({sentiment} tweets)",
                str(n),
                *(str(counts[lane]) for lane in LANES),
                _pct(counts["P1"] + counts["P2"], n),
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for k, line in enumerate(lines):
        print(
            "  ".join(
                cell.rjust(w) if c else cell.ljust(w)
                for c, (cell, w) in enumerate(zip(line, widths, strict=True))
            )
        )
        if k == 0:
            print("  ".join("-" * w for w in widths))
    critical = [tally.by_reason[r] for r in TIME_CRITICAL]
    crit_n = [sum(c.values()) for c in critical]
    crit_p2 = [c["P1"] + c["P2"] for c in critical]
    print("\ntargets:")
    checks = [
        ("complaints closed unseen", negative["closed"], "==", 0),
        ("complaints at P4 (acknowledge lane incl.)", at_p4, "==", 0),
        *(
            (f"{reason} at P2+", p2 / max(1, n_), ">=", TARGET_TIME_CRITICAL_P2)
            for reason, p2, n_ in zip(TIME_CRITICAL, crit_p2, crit_n, strict=True)
        ),
        ("positive tweets at P2+", high / max(1, positives), "<=", TARGET_POSITIVE_P2),
        ("spam closures (share of tweets)", spam / max(1, tally.tweets), "<", TARGET_SPAM_SHARE),
    ]
    for name, value, op, target in checks:
        met = {"==": value == target, ">=": value >= target, "<=": value <= target, "<": value < target}[op]
        print(f"  {name:<44} {value:8.3f}  target {op} {target:<6g} {'met' if met else 'NOT MET'}")
    if show_spam and tally.closed_as_spam:
        print(f"\nthe first {min(show_spam, spam)} tweets closed as spam (label, reason, text), to read:")
        for truth, reason, text in tally.closed_as_spam[:show_spam]:
            print(f"  [{truth}{'/' + reason if reason else ''}] {' '.join(text.split())}")


if __name__ == "__main__":
    raise SystemExit(main())
