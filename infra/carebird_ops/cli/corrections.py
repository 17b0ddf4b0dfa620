"""`carebird export-corrections`: agents' routing corrections as labelled examples for `carebird train`.

Every time an agent moves a case to another queue, or restores a case triage closed automatically
(`kind` restore: the spam or no-response call was wrong), the agent API records the customer's text, what
triage chose and what the agent chose. This exports them as a CSV with `text` and `label` columns, so a
brand can retrain its skill model on its own decisions:

    carebird export-corrections --brand AcmeHelp --out corrections.csv
    carebird train corrections.csv --text-column text --label-column label --out skill.model --target skill
"""

from __future__ import annotations

import argparse
import csv
import sys
from datetime import datetime
from pathlib import Path
from typing import TextIO

from carebird_ops.cli import CliError
from carebird_ops.cli.aws_target import TABLE_HELP, aws_target, target_options

COLUMNS = ("text", "label", "original_label", "language", "case_id", "agent_id", "at", "kind")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export-corrections",
        parents=[target_options()],
        help="export agents' routing corrections as a training CSV (text, label)",
    )
    p.add_argument("--brand", required=True, help="the brand's X handle")
    p.add_argument("--table", help=TABLE_HELP)
    p.add_argument("--since", type=datetime.fromisoformat, help="only corrections from this time (ISO 8601)")
    p.add_argument(
        "--label",
        choices=("skill", "queue"),
        default="skill",
        help="label each example with the corrected skill (default) or queue",
    )
    p.add_argument("--out", type=Path, help="write the CSV here (default: standard output)")
    p.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    from carebird.storage.brands import DynamoBrandRepository
    from carebird.storage.casework import DynamoCorrectionLog

    table = aws_target(args).resource("CarebirdTable", args.table, "--table")
    brand = DynamoBrandRepository(table).find_brand(args.brand)
    if brand is None:
        raise CliError(f"no brand @{args.brand.removeprefix('@')}; add it with `carebird brand add`")
    corrections = DynamoCorrectionLog(table).corrections(brand.id, since=args.since)
    rows = []
    for c in corrections:
        if c.kind not in ("queue", "restore"):
            continue  # handing a case to another agent says nothing about its topic
        label = c.corrected_skill if args.label == "skill" else c.corrected_queue
        original = c.original_skill if args.label == "skill" else c.original_queue
        if not label or not c.text.strip():
            continue
        rows.append(
            [c.text, label, original or "", c.language or "", c.case_id, c.agent_id, c.at.isoformat(), c.kind]
        )
    if args.out is None:
        _write(sys.stdout, rows)
    else:
        with args.out.open("w", newline="", encoding="utf-8") as f:
            _write(f, rows)
        print(f"{len(rows)} corrections of @{brand.handle} written to {args.out}", file=sys.stderr)
    return 0


def _write(stream: TextIO, rows: list[list[str]]) -> None:
    writer = csv.writer(stream)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
