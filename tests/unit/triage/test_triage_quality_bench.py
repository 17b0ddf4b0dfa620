"""`make bench-triage-quality`: skips cleanly without ../shared, and measures the product's own decisions."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from carebird_ops.bench import triage_quality
from carebird_ops.bench.promotion_gates import GateRow, figures

COLUMNS = ("tweet_id", "airline_sentiment", "negativereason", "retweet_count", "text")
# Made-up tweets, a few per class (nothing from the data set).
ROWS = [
    *[
        ("negative", "Lost Luggage", f"@acme my bag {i} is lost and nobody answers, where is it?")
        for i in range(4)
    ],
    *[
        ("negative", "Cancelled Flight", f"@acme flight {i} cancelled, I'm stranded at the gate")
        for i in range(4)
    ],
    *[("positive", "", f"@acme thank you, the crew was wonderful on trip {i}!") for i in range(4)],
    *[("neutral", "", f"@acme what time does gate {i} open") for i in range(4)],
    # a thank-you naming a problem solved: the classifier does not count its time-critical words, and the
    # router's re-scored priority must not either
    *[("neutral", "", f"@acme thanks for rebooking my cancelled train, seat {i}") for i in range(4)],
]


def test_the_bench_skips_with_a_message_when_the_data_is_absent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert triage_quality.main(["--data", str(tmp_path / "absent" / "dev.csv")]) == 0
    assert "skipped" in capsys.readouterr().out


def test_the_bench_reports_decisions_per_complaint_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "dev.csv"
    with data.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for i, (sentiment, reason, text) in enumerate(ROWS):
            writer.writerow((str(i), sentiment, reason, "0", text))
    assert triage_quality.main(["--data", str(data), "--folds", "2", "--jobs", "1", "--builtin-only"]) == 0
    out = capsys.readouterr().out
    assert "complaints closed unseen: 0 of 8" in out
    # the router's re-scored priority is the classifier's own on every case
    assert "differs from the classifier's own level on 0 tweets" in out
    assert "Lost Luggage at P2+" in out and "Cancelled Flight at P2+" in out
    lost = next(line for line in out.splitlines() if line.startswith("Lost Luggage "))
    assert lost.split()[-1] == "100.0%"  # every lost-bag complaint at P2 or higher
    positive = next(line for line in out.splitlines() if line.startswith("(positive tweets)"))
    assert positive.split()[-3] == "4"  # the four thank-yous wait in the acknowledge lane


def test_the_bench_prints_the_targets_on_the_tuning_folds_and_the_held_out_fold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "dev.csv"
    with data.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for i, (sentiment, reason, text) in enumerate(ROWS):
            writer.writerow((str(i), sentiment, reason, "0", text))
    args = ["--data", str(data), "--folds", "2", "--jobs", "1", "--builtin-only", "--held-out", "1"]
    assert triage_quality.main(args) == 0
    out = capsys.readouterr().out
    assert "targets on the tuning folds (10 tweets) and on fold 1, held out of tuning (10 tweets):" in out
    held = out.split("held out of tuning")[1].splitlines()
    at_p4 = next(line for line in held if "complaints at P4" in line)
    assert at_p4.split()[-2:] == ["0", "0"]  # on both halves, no complaint waits in the acknowledge lane
    positive = next(line for line in held if "positive tweets at P2+" in line)
    assert positive.split()[-2:] == ["0.0%", "0.0%"]  # the thank-yous are not raised to P2 on either


# Glad-sounding tweets the product puts at P2 for their time-critical words: two positive, two complaints
# told with irony. The lexicon gate at 0.5 would take all four off P2+.
GLAD = [
    *[
        ("positive", "", f"@acme the seats were very comfortable, now waiting for our luggage {i}")
        for i in range(2)
    ],
    *[
        (
            "negative",
            "Customer Service Issue",
            f"@acme really enjoying my sunday on hold, over {i + 1} hour so far. perhaps a better "
            "experience is needed",
        )
        for i in range(2)
    ],
]


def test_the_bench_measures_gates_on_the_time_critical_promotion(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "dev.csv"
    with data.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for i, (sentiment, reason, text) in enumerate(ROWS + GLAD):
            writer.writerow((str(i), sentiment, reason, "0", text))
    args = ["--data", str(data), "--folds", "2", "--jobs", "1", "--builtin-only", "--gates"]
    assert triage_quality.main(args) == 0
    table = capsys.readouterr().out.split("candidate gates on the time-critical promotion")[1].splitlines()
    today = next(line for line in table if line.startswith("none (the product today)"))
    gate = next(line for line in table if line.startswith("lexicon >= 0.5"))
    assert "2 (33.3%)" in today  # of 6 positive tweets, the two glad ones at P2
    assert " 0 / 0 " in today
    assert "0 (0.0%)" in gate and " 2 / 2 " in gate  # the gate moves both, and both complaints with them


def test_a_gate_moves_a_tweet_only_to_the_level_it_has_without_the_promotion() -> None:
    rows = [
        GateRow("positive", "", high=True, high_without_promotion=False, fired=(True,)),
        GateRow("positive", "", high=True, high_without_promotion=True, fired=(True,)),  # P2 on its own
        GateRow("negative", "Lost Luggage", high=True, high_without_promotion=False, fired=(True,)),
        GateRow("negative", "Lost Luggage", high=True, high_without_promotion=False, fired=(False,)),
    ]
    today = figures(rows, None, ["Lost Luggage"])
    gated = figures(rows, 0, ["Lost Luggage"])
    assert (today.positive_high, today.lowest, today.moved_complaints) == (2, (1.0, "Lost Luggage"), 0)
    assert (gated.positive_high, gated.moved_positive, gated.moved_complaints) == (1, 1, 1)
    assert gated.lowest == (0.5, "Lost Luggage")
