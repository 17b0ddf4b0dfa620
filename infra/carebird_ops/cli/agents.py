"""`carebird agent add|list|login|token|logout`: a brand's agents (data, not code) and their sign-in.

`agent add` stores the agent's record (skills, languages, capacity, role) and creates their login in the
agents' Cognito user pool (AgentUserPool: the local stack's, or --user-pool on AWS) with the brand as
`custom:brand_id`. Without --password a password is generated and printed once; with
--temporary-password the agent must choose their own at first sign-in (Cognito's NEW_PASSWORD_REQUIRED,
which the inbox's sign-in page completes). The agent's display name (--name; kept on later updates, their
id until one is given) is what colleagues see in presence and claim refusals.
`agent login` signs in and keeps the session for the terminal client (`carebird cases`, `claim`,
`reply`...); `agent token` prints an ID token for other HTTP clients (curl, schemathesis).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os

from pydantic import ValidationError

from carebird.cases.model import Agent
from carebird.storage.agents import DynamoAgentDirectory
from carebird.storage.brands import DynamoBrandRepository
from carebird_ops.agent_auth import (
    AuthError,
    Session,
    ensure_account,
    generate_password,
    save_session,
    session_path,
    sign_in,
)
from carebird_ops.cli import CliError
from carebird_ops.cli.aws_target import TABLE_HELP, aws_target, target_options
from carebird_ops.cli.console import API_ENV, local_api_url


def register(sub: argparse._SubParsersAction) -> None:
    common = target_options()
    common.add_argument("--table", help=TABLE_HELP)
    common.add_argument("--brand", required=True, help="the brand's X handle")

    p = sub.add_parser("agent", help="the people who work a brand's queues")
    verbs = p.add_subparsers(dest="verb", required=True, metavar="VERB")

    add = verbs.add_parser("add", parents=[common], help="add an agent, or update their profile")
    add.add_argument("--id", required=True, help="the agent's id (their login)")
    add.add_argument("--name", help="display name (default: the one they have, else their id)")
    add.add_argument("--skills", default="", help="comma-separated skills, as in the brand's triage config")
    add.add_argument("--languages", default="en", help="comma-separated language codes (default: en)")
    add.add_argument("--capacity", type=int, default=5, help="open cases at once (default: 5)")
    add.add_argument("--supervisor", action="store_true", help="sees and acts on every queue")
    add.add_argument("--unavailable", action="store_true", help="takes no new cases")
    add.add_argument(
        "--password",
        help=f"their sign-in password (default: ${PASSWORD_ENV}, else one is generated and printed)",
    )
    add.add_argument(
        "--temporary-password",
        action="store_true",
        help="the password is for the first sign-in only: the agent then chooses their own",
    )
    add.add_argument("--user-pool", help="the agents' Cognito user pool id (default: the local stack's)")
    add.add_argument("--no-login", action="store_true", help="store the record only, create no sign-in")
    add.set_defaults(func=cmd_add)

    signin = target_options()
    signin.add_argument("--id", required=True, help="the agent's id (their login)")
    signin.add_argument("--password", help=f"default: ${PASSWORD_ENV}, else asked for")
    signin.add_argument(
        "--new-password", help="first sign-in with a temporary password: the password to replace it with"
    )
    signin.add_argument(
        "--client-id", help="the Cognito app client (default: the local stack's AgentUserPoolClient)"
    )
    signin.add_argument("--api", help="the agent API's URL (default: the local stack's; on AWS: AgentApiUrl)")

    login = verbs.add_parser("login", parents=[signin], help="sign in; the terminal commands then act as you")
    login.set_defaults(func=cmd_login)
    token = verbs.add_parser("token", parents=[signin], help="print an ID token for the Authorization header")
    token.set_defaults(func=cmd_token)
    logout = verbs.add_parser("logout", help="forget the signed-in session")
    logout.set_defaults(func=cmd_logout)

    ls = verbs.add_parser("list", parents=[common], help="list a brand's agents with their load")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)


PASSWORD_ENV = "CAREBIRD_PASSWORD"


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _brand_id(args: argparse.Namespace, table: str) -> str:
    brand = DynamoBrandRepository(table).find_brand(args.brand)
    if brand is None:
        raise CliError(f"no brand @{args.brand.removeprefix('@')}; add it with `carebird brand add`")
    return brand.id


def cmd_add(args: argparse.Namespace) -> int:
    table = aws_target(args).resource("CarebirdTable", args.table, "--table")
    brand_id = _brand_id(args, table)
    directory = DynamoAgentDirectory(table)
    if args.name is not None and not args.name.strip():
        raise CliError("--name is empty", exit_code=2)
    existing = directory.agent(brand_id, args.id) if args.name is None else None
    name = args.name.strip() if args.name is not None else (existing.name if existing else "") or args.id
    try:
        agent = Agent(
            id=args.id,
            brand_id=brand_id,
            name=name,
            skills=_split(args.skills),
            languages=_split(args.languages),
            capacity=args.capacity,
            available=not args.unavailable,
            role="supervisor" if args.supervisor else "agent",
        )
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise CliError(problems, exit_code=2) from None
    target = aws_target(args)
    pool = None if args.no_login else (args.user_pool or target.resources.get("AgentUserPool"))
    if not args.no_login and pool is None:
        raise CliError("which user pool? pass --user-pool (stack output AgentUserPoolId), or --no-login")
    # Nothing is written until every check has passed: a refused agent leaves no roster record (routing
    # would hand it cases) and no sign-in.
    sign_in = ""
    if pool is not None:
        password = args.password or os.environ.get(PASSWORD_ENV)
        generated = password is None
        password = password or generate_password()
        try:  # refuses a login of another brand's agent before it writes
            created = ensure_account(
                pool, agent.id, agent.brand_id, password, permanent=not args.temporary_password
            )
        except AuthError as exc:
            raise CliError(str(exc)) from None
        sign_in = (f"sign-in {'created' if created else 'updated'}: carebird agent login --id {agent.id}"
                   + (f" --password {password}" if generated else ""))  # fmt: skip
        if args.temporary_password:
            sign_in += "\n  the password is temporary: the agent chooses a new one at first sign-in"
    directory.put(agent)
    print(
        f"agent {agent.id} ({agent.name}) of @{args.brand.removeprefix('@')}: "
        f"skills {','.join(agent.skills) or '-'}, languages {','.join(agent.languages)}, "
        f"capacity {agent.capacity}, {agent.role}"
    )
    if sign_in:
        print(sign_in)
    return 0


def _session(args: argparse.Namespace) -> Session:
    target = aws_target(args)
    client_id = args.client_id or target.resources.get("AgentUserPoolClient")
    if client_id is None:
        raise CliError("which app client? pass --client-id (stack output AgentUserPoolClientId)")
    api = args.api or os.environ.get(API_ENV) or (local_api_url() if target.local else None)
    if api is None:
        raise CliError(f"which API? pass --api or set ${API_ENV} (stack output AgentApiUrl)")
    password = args.password or os.environ.get(PASSWORD_ENV) or getpass.getpass(f"password for {args.id}: ")
    try:
        return sign_in(client_id, args.id, password, api, new_password=args.new_password)
    except AuthError as exc:
        raise CliError(str(exc)) from None


def cmd_login(args: argparse.Namespace) -> int:
    session = _session(args)
    path = save_session(session)
    print(f"signed in as {session.agent_id} at {session.api_url} (session in {path})")
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    print(_session(args).id_token)
    return 0


def cmd_logout(args: argparse.Namespace) -> int:
    path = session_path()
    path.unlink(missing_ok=True)
    print("signed out")
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
