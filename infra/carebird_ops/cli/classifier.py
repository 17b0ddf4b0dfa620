"""`carebird train` and `carebird classify`: train a routing model from labelled examples, and run it.

carebird train tweets.csv --text-column text --label-column queue --out queue.model
carebird classify --model queue.model mentions.jsonl      # {"id", "label", "confidence"} per line
carebird classify < mentions.jsonl                        # the built-in classification per line
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from carebird.classifier import (
    BrandRules,
    DefaultClassifier,
    Engagement,
    InvalidModel,
    MentionFeatures,
    ModelUnavailable,
    TextModel,
    load_model,
)
from carebird_ops.cli import CliError


def register(sub: argparse._SubParsersAction) -> None:
    train = sub.add_parser(
        "train",
        help="train a text classifier (sentiment, or topic -> skill) from a CSV of labelled examples",
        description="Train a routing model from a UTF-8 CSV with a header row. Rows without a text or a "
        "label are skipped. Needs the dev extra (scikit-learn): pip install -e '.[dev]'.",
    )
    train.add_argument("csv", type=Path, metavar="CSV", help="labelled examples, UTF-8, with a header row")
    train.add_argument("--text-column", required=True, metavar="COL", help="the column holding the text")
    train.add_argument("--label-column", required=True, metavar="COL", help="the column holding the label")
    train.add_argument("--out", required=True, type=Path, metavar="MODEL", help="where to write the model")
    train.add_argument(
        "--target",
        choices=("sentiment", "skill"),
        help="what the labels are (default: sentiment if they are negative/neutral/positive, else skill)",
    )
    train.set_defaults(func=cmd_train)

    classify = sub.add_parser(
        "classify",
        help="classify JSON lines {'id', 'text'} with a trained model, or with the built-in classifier",
        description="Reads JSON lines with at least 'text' (and 'id'; for the built-in classifier also "
        "optional 'lang', 'followers', 'verified', 'engagement', 'is_dm') from FILE or standard input. "
        "A line that cannot be read is reported on stderr with its number; the others are still "
        "classified, and the exit status is 1 at the end.",
    )
    classify.add_argument("file", nargs="?", type=Path, metavar="FILE", help="JSON lines (default: stdin)")
    classify.add_argument("--model", metavar="MODEL", help="a model from `carebird train` (path or s3://)")
    classify.add_argument(
        "--rules",
        type=Path,
        metavar="RULES",
        help="built-in classifier only: a JSON file of the brand's rules "
        '({"skills": {skill: [keywords]}, "urgency_terms": [...], "known_skills": [...]})',
    )
    classify.set_defaults(func=cmd_classify)


def cmd_train(args: argparse.Namespace) -> int:
    try:
        from carebird_ops.training import TrainingDataError, fit_text_model, read_labelled_csv
    except ImportError as exc:
        raise CliError(
            f"training needs the dev extra ({exc.name} is missing): pip install -e '.[dev]'"
        ) from None
    try:
        examples = read_labelled_csv(args.csv, args.text_column, args.label_column)
        model = fit_text_model(
            examples.texts,
            examples.labels,
            target=args.target,
            info={
                "source": args.csv.name,
                "text_column": args.text_column,
                "label_column": args.label_column,
            },
        )
    except TrainingDataError as exc:
        raise CliError(str(exc)) from None
    data = model.to_bytes()
    _write_atomically(args.out, data)
    counts = ", ".join(f"{label} {n}" for label, n in sorted(examples.counts.items()))
    skipped = f"; skipped {examples.skipped} rows without a text or a label" if examples.skipped else ""
    print(
        f"trained a {model.target} model on {len(examples.texts)} examples ({counts}){skipped}: "
        f"{args.out} ({len(data) / 1024:.0f} KiB)"
    )
    return 0


def _write_atomically(path: Path, data: bytes) -> None:
    # A half-written model must never be picked up by a classify that is running at the same time.
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise CliError(f"cannot write {path}: {exc.strerror or exc}") from None


def cmd_classify(args: argparse.Namespace) -> int:
    model: TextModel | None = None
    if args.model:
        if args.rules:
            raise CliError("--rules applies to the built-in classifier; a trained model does not read them")
        try:
            from carebird.adapters.aws.s3 import S3ModelObjects  # boto3 only for a model to read

            model = load_model(args.model, S3ModelObjects())
        except (ModelUnavailable, InvalidModel) as exc:
            raise CliError(str(exc)) from None
    rules = _read_rules(args.rules) if args.rules else None
    classifier = DefaultClassifier()
    if args.file is not None:
        try:
            stream: IO[bytes] = args.file.open("rb")
        except OSError as exc:
            raise CliError(f"cannot read {args.file}: {exc.strerror or exc}") from None
    else:
        stream = sys.stdin.buffer
    failed = total = 0
    with stream:
        for number, record in _records(stream):
            total += 1
            if isinstance(record, str):
                failed += 1
                print(f"line {number}: {record}", file=sys.stderr)
                continue
            text: str = record["text"]
            if model is not None:
                prediction = model.predict(text)
                out: dict[str, Any] = {
                    "id": record.get("id"),
                    "label": prediction.label,
                    "confidence": round(prediction.confidence, 4),
                }
            else:
                out = {"id": record.get("id"), **classifier.classify(_features(record), rules).to_dict()}
            sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
            sys.stdout.flush()
    if failed:
        raise CliError(f"{failed} of {total} lines could not be classified (see the messages above)")
    return 0


def _records(stream: IO[bytes]) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line number, the record, or why the line is not one), skipping blank lines."""
    for number, raw in enumerate(stream, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield number, "not UTF-8 text"
            continue
        if not line.strip():
            continue
        try:
            record = json.loads(line.rstrip("\r\n"))
        except json.JSONDecodeError as exc:
            yield number, f"not JSON ({exc.msg} at column {exc.colno})"
            continue
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            yield number, 'expected a JSON object with a string "text"'
            continue
        yield number, record


def _features(record: dict[str, Any]) -> MentionFeatures:
    """The classifier's view of a record; fields of the wrong type count as absent."""
    lang = record.get("lang")
    followers = record.get("followers")
    engagement = record.get("engagement", record.get("public_metrics"))
    return MentionFeatures(
        text=record["text"],
        lang=lang if isinstance(lang, str) else None,
        followers=followers if isinstance(followers, int) and not isinstance(followers, bool) else 0,
        verified=record.get("verified") is True,
        engagement=Engagement.from_mapping(engagement if isinstance(engagement, dict) else None),
        is_dm=record.get("is_dm") is True,
    )


def _read_rules(path: Path) -> BrandRules:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CliError(f"{path}: not a UTF-8 JSON file ({exc})") from None
    if not isinstance(data, dict):
        raise CliError(f"{path}: expected a JSON object")
    try:
        return BrandRules.from_dict(data)
    except ValueError as exc:
        raise CliError(f"{path}: {exc}") from None
