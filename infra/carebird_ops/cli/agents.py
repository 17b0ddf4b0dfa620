"""`carebird agent add|list`: a brand's agents, their skills, languages and capacity (data, not code)."""

from __future__ import annotations

import argparse
import json

from pydantic import ValidationError

from carebird.storage.brands import DynamoBrandRepository
from carebird.storage.cases import DynamoAgentDirectory
from carebird.triage.model import Agent
from carebird_ops.cli import CliError
from carebird_ops.cli.aws_target import TABLE_HELP, aws_target, target_options


def register(sub: argparse._SubParsersAction) -> None:
    common = target_options()
    common.add_argument("--table", help=TABLE_HELP)
    common.add_argument("--brand", required=True, help="the brand's X handle")

    p = sub.add_parser("agent", help="the people who work a brand's queues")
    verbs = p.add_subparsers(dest="verb", required=True, metavar="VERB")

    add = verbs.add_parser("add", parents=[common], help="add an agent, or update their profile")
    add.add_argument("--id", required=True, help="the agent's id (their login)")
    add.add_argument("--name", default="")
    add.add_argument("--skills", default="", help="comma-separated skills, as in the brand's triage config")
    add.add_argument("--languages", default="en", help="comma-separated language codes (default: en)")
    add.add_argument("--capacity", type=int, default=5, help="open cases at once (default: 5)")
    add.add_argument("--supervisor", action="store_true", help="sees and acts on every queue")
    add.add_argument("--unavailable", action="store_true", help="takes no new cases")
    add.set_defaults(func=cmd_add)

    ls = verbs.add_parser("list", parents=[common], help="list a brand's agents with their load")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _brand_id(args: argparse.Namespace, table: str) -> str:
    brand = DynamoBrandRepository(table).find_brand(args.brand)
    if brand is None:
        raise CliError(f"no brand @{args.brand.removeprefix('@')}; add it with `carebird brand add`")
    return brand.id


def cmd_add(args: argparse.Namespace) -> int:
    table = aws_target(args).resource("CarebirdTable", args.table, "--table")
    try:
        agent = Agent(
            id=args.id,
            brand_id=_brand_id(args, table),
            name=args.name,
            skills=_split(args.skills),
            languages=_split(args.languages),
            capacity=args.capacity,
            available=not args.unavailable,
            role="supervisor" if args.supervisor else "agent",
        )
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise CliError(problems, exit_code=2) from None
    DynamoAgentDirectory(table).put(agent)
    print(f"agent {agent.id} of @{args.brand.removeprefix('@')}: skills {','.join(agent.skills) or '-'}, "
          f"languages {','.join(agent.languages)}, capacity {agent.capacity}, {agent.role}")  # fmt: skip
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    table = aws_target(args).resource("CarebirdTable", args.table, "--table")
    agents = DynamoAgentDirectory(table).agents(_brand_id(args, table))
    if args.json:
        print(json.dumps([a.model_dump(mode="json") for a in agents], indent=2))
        return 0
    for a in agents:
        status = "available" if a.available else "away"
        print(f"{a.id:<16} {a.role:<10} {','.join(a.skills) or '-':<28} {','.join(a.languages):<10} "
              f"{a.open_cases}/{a.capacity} open  {status}")  # fmt: skip
    return 0
