"""`carebird local up|down`: the embedded local stack."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("local", help="run the product on the embedded local stack (no AWS, no Docker)")
    verbs = p.add_subparsers(dest="verb", required=True, metavar="VERB")
    verbs.add_parser("up", help="start the local stack")
    verbs.add_parser("down", help="stop the local stack")
    p.set_defaults(func=lambda args: 0)
