"""The `carebird` command line. Each sub-command lives in its own module with a `register` function."""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
from collections.abc import Sequence

# Modules under carebird_ops.cli, each exposing register(subparsers).
COMMAND_MODULES: tuple[str, ...] = (
    "local",
    "xapi",
    "brands",
    "ingest",
    "agents",
    "console",
    "demo",
    "classifier",
    "alarms",
    "corrections",
    "deploy",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="carebird",
        description="Customer service over X: local stack, brands, polling, triage and the agent console.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"carebird_ops.cli.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # inside the try: a closed pipe may only show when buffered output goes out
        return code
    except CliError as exc:
        print(f"carebird {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        # The reader is gone (`carebird mentions | head`): stop quietly, as Unix tools do. Point stdout
        # at /dev/null so that the interpreter's own flush at exit does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE


class CliError(Exception):
    """A failure the user can act on: printed as one line, no traceback."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code
