"""Reading labelled examples from a CSV, with errors that say what is wrong and where."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

MAX_LABEL_LENGTH = 100
MIN_EXAMPLES_PER_LABEL = 2


class TrainingDataError(ValueError):
    """Labelled data that cannot train a model; the message names the file, and the row when there is one."""


@dataclass(frozen=True)
class LabelledExamples:
    texts: list[str]
    labels: list[str]
    skipped: int  # rows without a text or a label (e.g. negativereason is empty for non-negative tweets)

    @property
    def counts(self) -> Counter[str]:
        return Counter(self.labels)


def read_labelled_csv(path: Path, text_column: str, label_column: str) -> LabelledExamples:
    """The (text, label) pairs of a UTF-8 CSV with a header row. Rows missing either value are skipped."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TrainingDataError(f"{path}: {exc.strerror or exc}") from None
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise TrainingDataError(
            f"{path}: not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line}); save it as UTF-8"
        ) from None
    reader = csv.DictReader(content.splitlines(keepends=True))
    try:
        header = reader.fieldnames
    except csv.Error as exc:
        raise TrainingDataError(f"{path}: not a CSV file ({exc})") from None
    if not header:
        raise TrainingDataError(f"{path}: empty file (expected a header row naming the columns)")
    missing = [c for c in (text_column, label_column) if c not in header]
    if missing:
        raise TrainingDataError(
            f"{path}: no column {', '.join(repr(c) for c in missing)}; "
            f"the columns are {', '.join(repr(c) for c in header)}"
        )
    texts: list[str] = []
    labels: list[str] = []
    skipped = 0
    try:
        for row in reader:
            text = (row.get(text_column) or "").strip()
            label = (row.get(label_column) or "").strip()
            if not text or not label:
                skipped += 1
                continue
            _check_label(label, path, reader.line_num)
            texts.append(text)
            labels.append(label)
    except csv.Error as exc:
        raise TrainingDataError(f"{path}: line {reader.line_num}: malformed CSV ({exc})") from None
    check_trainable(labels, str(path))
    return LabelledExamples(texts, labels, skipped)


def _check_label(label: str, path: Path, line: int) -> None:
    if not label.isprintable():
        raise TrainingDataError(
            f"{path}: line {line}: label {label!r} has control characters (a tab, a line break...)"
        )
    if len(label) > MAX_LABEL_LENGTH:
        raise TrainingDataError(
            f"{path}: line {line}: label is {len(label)} characters long (at most {MAX_LABEL_LENGTH}); "
            "is the label column the right one?"
        )


def check_trainable(labels: list[str], source: str) -> None:
    """Raise TrainingDataError unless there are two labels or more, each with a few examples."""
    counts = Counter(labels)
    if not counts:
        raise TrainingDataError(f"{source}: no labelled examples (every row lacks a text or a label)")
    if len(counts) < 2:
        (only,) = counts
        raise TrainingDataError(
            f"{source}: every example has the label {only!r}; a classifier needs at least two labels"
        )
    rare = sorted(label for label, n in counts.items() if n < MIN_EXAMPLES_PER_LABEL)
    if rare:
        raise TrainingDataError(
            f"{source}: labels with fewer than {MIN_EXAMPLES_PER_LABEL} examples: "
            f"{', '.join(repr(r) for r in rare)}; add examples or merge them into another label"
        )
