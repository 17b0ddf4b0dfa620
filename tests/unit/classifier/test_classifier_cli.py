"""`carebird train` and `carebird classify` as a person runs them: files in, lines out, one-line errors."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest

from carebird_ops.cli import main
from tests.support.classifier_data import make_examples


def _write_csv(path: Path, rows: list[dict[str, str]], header: list[str] | None = None) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header or list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def labelled_csv(tmp_path: Path) -> Path:
    texts, labels = make_examples(20, seed=5)
    rows = [{"tweet": t, "queue": q, "other": "x"} for t, q in zip(texts, labels, strict=True)]
    rows.append({"tweet": "", "queue": "baggage", "other": "no text: skipped"})
    return _write_csv(tmp_path / "labelled.csv", rows)


def _train(csv_path: Path, out: Path, *extra: str) -> int:
    return main(
        [
            "train",
            str(csv_path),
            "--text-column",
            "tweet",
            "--label-column",
            "queue",
            "--out",
            str(out),
            *extra,
        ]
    )


@pytest.fixture
def model_path(tmp_path: Path, labelled_csv: Path) -> Path:
    pytest.importorskip("sklearn")
    out = tmp_path / "queue.model"
    assert _train(labelled_csv, out) == 0
    return out


def test_train_writes_a_model_and_says_what_it_learned(
    tmp_path: Path, labelled_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("sklearn")
    out = tmp_path / "queue.model"
    assert _train(labelled_csv, out) == 0
    said = capsys.readouterr().out
    assert "trained a skill model on 60 examples" in said
    assert "baggage 20, praise 20, refunds 20" in said
    assert "skipped 1 rows" in said
    assert 0 < out.stat().st_size < 200_000


def test_classify_with_a_model_labels_each_line(
    tmp_path: Path, model_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = tmp_path / "mentions.jsonl"
    lines.write_text(
        json.dumps({"id": "a", "text": "my bag is lost and my suitcase arrived damaged"})
        + "\n\n"
        + json.dumps({"id": "b", "text": "refund my ticket please"})
        + "\n",
        encoding="utf-8",
    )
    capsys.readouterr()
    assert main(["classify", "--model", str(model_path), str(lines)]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(o["id"], o["label"]) for o in out] == [("a", "baggage"), ("b", "refunds")]
    assert all(0.5 < o["confidence"] <= 1.0 for o in out)


def test_a_malformed_line_is_named_and_the_others_are_still_classified(
    tmp_path: Path, model_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = tmp_path / "mentions.jsonl"
    lines.write_bytes(
        b'{"id": 1, "text": "where is my bag"}\n'
        b'{"id": 2, "text": "unterminated\n'
        b'{"id": 3, "txt": "no text field"}\n'
        b'{"id": 4, "text": "caf\xe9 in latin-1"}\n'
        b'{"id": 5, "text": "I want a refund"}\n'
    )
    capsys.readouterr()
    assert main(["classify", "--model", str(model_path), str(lines)]) == 1
    captured = capsys.readouterr()
    assert [json.loads(line)["id"] for line in captured.out.splitlines()] == [1, 5]
    assert "line 2: not JSON" in captured.err
    assert 'line 3: expected a JSON object with a string "text"' in captured.err
    assert "line 4: not UTF-8" in captured.err
    assert "3 of 5 lines could not be classified" in captured.err
    assert "Traceback" not in captured.err


def test_classify_without_a_model_reads_stdin_and_gives_the_builtin_classification(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    record = {"id": 9, "text": "My flight was cancelled and I'm stranded in Denver!", "followers": 25000}
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO((json.dumps(record) + "\n").encode())))
    assert main(["classify"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["id"] == 9
    assert out["sentiment"]["label"] == "negative"
    assert out["urgency"]["value"] is True
    assert out["needs_response"]["value"] is True
    assert out["priority"]["level"] == "P1"
    assert out["language"]["label"] == "en"
    assert out["reasons"]


def test_classify_applies_a_brands_rules_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"skills": {"baggage": ["bag", "suitcase"], "refunds": ["refund"]}}))
    monkeypatch.setattr(
        sys, "stdin", io.TextIOWrapper(io.BytesIO(b'{"id": 1, "text": "my suitcase is lost"}\n'))
    )
    assert main(["classify", "--rules", str(rules)]) == 0
    assert json.loads(capsys.readouterr().out)["skill"]["label"] == "baggage"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty file"),
        (b"tweet,label\nhello,x\n", "no column 'queue'; the columns are 'tweet', 'label'"),
        (b"tweet,queue\nhello,x\nworld,x\nagain,x\n", "every example has the label 'x'"),
        (b'tweet,queue\nhello,"a\tb"\nworld,y\n', "line 2: label 'a\\tb' has control characters"),
        (b"tweet,queue\ncaf\xe9,x\nbar,y\n", "not UTF-8 text (byte 0xe9 on line 2)"),
        (b"tweet,queue\nhello,x\nworld,x\nagain,y\n", "fewer than 2 examples: 'y'"),
    ],
    ids=["empty", "missing-column", "single-class", "odd-label", "not-utf8", "rare-label"],
)
def test_train_rejects_bad_data_with_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, expected: str
) -> None:
    pytest.importorskip("sklearn")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    out = tmp_path / "never.model"
    assert _train(bad, out) == 1
    err = capsys.readouterr().err
    assert expected in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


def test_classify_reports_a_missing_model_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["classify", "--model", str(tmp_path / "absent.model"), str(tmp_path / "x.jsonl")]) == 1
    err = capsys.readouterr().err
    assert "absent.model" in err and "Traceback" not in err
