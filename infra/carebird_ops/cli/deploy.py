"""`carebird deploy-preflight`: what a deploy must pass so that it can update the stack already deployed.

`make deploy` runs it before `sam deploy --guided`. CloudFormation cannot change a DynamoDB index's
projection in place, so a stack deployed when the table's indexes projected every attribute (before the
`IndexProjection` parameter existed) must keep `IndexProjection=ALL`; with the default (`KEYS_ONLY`) its
update fails and rolls back. This command reads the deployed table's indexes and prints, on stdout, the
parameter overrides to deploy with: those in samconfig.toml (which `--parameter-overrides` would otherwise
replace), plus `IndexProjection=ALL` where the deployed table needs it. What it found goes to stderr.

It refuses (exit 2) when the configuration asks for a projection the deployed table cannot take, and says
which. No stack name (a first deploy) or no such stack: nothing to keep, nothing printed.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from carebird_ops.cli import CliError

TABLE_LOGICAL_ID = "CarebirdTable"
PARAMETER = "IndexProjection"
PROJECTIONS = ("KEYS_ONLY", "ALL")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "deploy-preflight",
        help="the parameter overrides a deploy needs to update the stack already deployed (make deploy)",
    )
    p.add_argument("--config-file", default="samconfig.toml", help="sam's config file (default: %(default)s)")
    p.add_argument("--config-env", default="default", help="its environment (default: %(default)s)")
    p.add_argument("--stack-name", help="the deployed stack (default: the config file's stack_name)")
    p.add_argument("--region", help="its region (default: the config file's, else boto3's)")
    p.set_defaults(func=cmd_preflight)


@dataclass(frozen=True)
class Plan:
    overrides: dict[str, str]
    message: str


class Refused(CliError):
    def __init__(self, message: str) -> None:
        super().__init__(message, exit_code=2)


def cmd_preflight(args: argparse.Namespace) -> int:
    config = read_samconfig(Path(args.config_file), args.config_env)
    overrides = parse_overrides(str(config.get("parameter_overrides", "")))
    stack = args.stack_name or config.get("stack_name")
    region = args.region or config.get("region")
    if not stack:
        plan = Plan(overrides, "no stack name yet (a first deploy): nothing deployed to keep")
    else:
        session = boto3.session.Session(region_name=region) if region else boto3.session.Session()
        try:
            projections = deployed_projections(
                session.client("cloudformation"), session.client("dynamodb"), str(stack)
            )
        except (BotoCoreError, ClientError) as exc:
            raise CliError(f"cannot read stack {stack}: {exc}") from None
        plan = decide(str(stack), projections, overrides)
    print(f"carebird deploy-preflight: {plan.message}", file=sys.stderr)
    print(render_overrides(plan.overrides))
    return 0


def read_samconfig(path: Path, env: str) -> dict[str, Any]:
    """The `[<env>.deploy.parameters]` table of sam's config file; empty when there is no file yet."""
    if not path.exists():
        return {}
    try:
        document = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CliError(f"{path} is not valid TOML: {exc}") from None
    params = document.get(env, {}).get("deploy", {}).get("parameters", {})
    if not isinstance(params, dict):
        raise CliError(f"{path}: [{env}.deploy.parameters] is not a table")
    return params


def parse_overrides(text: str) -> dict[str, str]:
    """sam's `Key=Value Key2="Value 2"` form (as samconfig.toml keeps it) as a dict, in order."""
    overrides: dict[str, str] = {}
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise CliError(f"cannot read parameter_overrides {text!r}: {exc}") from None
    for word in words:
        key, sep, value = word.partition("=")
        if not sep or not key:
            raise CliError(f"cannot read parameter_overrides: {word!r} is not Key=Value")
        overrides[key] = value
    return overrides


def render_overrides(overrides: dict[str, str]) -> str:
    return " ".join(f"{key}={shlex.quote(value)}" for key, value in overrides.items())


def deployed_projections(cloudformation: Any, dynamodb: Any, stack: str) -> set[str] | None:
    """The projection types of the deployed table's indexes; None when no such stack exists."""
    try:
        resource = cloudformation.describe_stack_resource(StackName=stack, LogicalResourceId=TABLE_LOGICAL_ID)
    except ClientError as exc:
        message = str(exc.response.get("Error", {}).get("Message", ""))
        if "does not exist" in message:
            if _stack_exists(cloudformation, stack):
                raise Refused(f"stack {stack} has no {TABLE_LOGICAL_ID}: is it a carebird stack?") from None
            return None
        raise
    table = resource["StackResourceDetail"]["PhysicalResourceId"]
    description = dynamodb.describe_table(TableName=table)["Table"]
    return {index["Projection"]["ProjectionType"] for index in description.get("GlobalSecondaryIndexes", [])}


def _stack_exists(cloudformation: Any, stack: str) -> bool:
    try:
        cloudformation.describe_stacks(StackName=stack)
    except ClientError:
        return False
    return True


def decide(stack: str, projections: set[str] | None, overrides: dict[str, str]) -> Plan:
    """The overrides to deploy `stack` with, given its table's index projections (None: not deployed)."""
    asked = overrides.get(PARAMETER)
    if asked is not None and asked not in PROJECTIONS:
        raise Refused(f"{PARAMETER}={asked} is not one of {', '.join(PROJECTIONS)}")
    if projections is None:
        return Plan(overrides, f"no stack named {stack} yet: a new stack's indexes project keys only")
    if len(projections) != 1 or not projections <= set(PROJECTIONS):
        found = ", ".join(sorted(projections)) or "none"
        raise Refused(
            f"stack {stack}'s table has index projections {found}; this release expects both indexes "
            f"KEYS_ONLY or both ALL (README: Deploy)"
        )
    (deployed,) = projections
    if asked is None:
        if deployed == "KEYS_ONLY":
            return Plan(overrides, f"stack {stack}'s indexes project keys only: nothing to keep")
        return Plan(
            {**overrides, PARAMETER: "ALL"},
            f"stack {stack} was deployed when its indexes projected every attribute; CloudFormation cannot "
            f"change that in place, so it deploys with {PARAMETER}=ALL (README: Deploy)",
        )
    if asked != deployed:
        raise Refused(
            f"the config asks {PARAMETER}={asked}, but stack {stack}'s indexes project {deployed}; "
            f"CloudFormation cannot change a projection in place and would roll the update back: "
            f"deploy with {PARAMETER}={deployed} (README: Deploy)"
        )
    return Plan(overrides, f"stack {stack}'s indexes project {deployed}, as configured")
