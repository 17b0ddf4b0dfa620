"""`carebird demo`: run the product end to end on the local stack with scripted customers."""

from __future__ import annotations

import argparse

from carebird_ops.cli import CliError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="run carebird end to end on the local stack and print what happened")
    p.add_argument("--json", action="store_true", help="print the demo's report as one JSON object")
    p.add_argument("--keep", action="store_true", help="leave the local stack running afterwards")
    p.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    from carebird_ops.demo import DemoError, run

    try:
        return run(as_json=args.json, keep=args.keep)
    except DemoError as exc:
        raise CliError(str(exc)) from None
