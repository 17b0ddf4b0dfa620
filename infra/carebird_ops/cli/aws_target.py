"""Which AWS the CLI talks to: the running local stack, or the account boto3 is configured for.

With the local stack running (and no --aws), its endpoint and fake credentials go into this process's
environment, so boto3, PynamoDB and Powertools all reach it, and resource names come from what it
provisioned from template.yaml. Otherwise names must be given (--table, --function-name).
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field

from carebird_ops.cli import CliError
from carebird_ops.local.endpoints import StackNotRunning, read_endpoints


@dataclass(frozen=True)
class AwsTarget:
    local: bool
    resources: dict[str, str] = field(default_factory=dict)

    def resource(self, logical_id: str, explicit: str | None, option: str) -> str:
        """The physical name: `explicit` if given, else what the local stack provisioned for `logical_id`."""
        if explicit:
            return explicit
        if logical_id in self.resources:
            return self.resources[logical_id]
        where = "the local stack has none" if self.local else "the local stack is not running"
        raise CliError(f"which {logical_id}? pass {option} ({where}; `carebird local up` starts it)")


TABLE_HELP = "the product's DynamoDB table (default: the local stack's CarebirdTable)"


def target_options() -> argparse.ArgumentParser:
    """Options shared by every command that reaches AWS."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--aws", action="store_true", help="use the configured AWS account even if the local stack runs"
    )
    return parent


def aws_target(args: argparse.Namespace) -> AwsTarget:
    if getattr(args, "aws", False):
        return AwsTarget(local=False)
    try:
        endpoints = read_endpoints()
    except StackNotRunning:
        return AwsTarget(local=False)
    os.environ.update(endpoints.aws_env())
    return AwsTarget(local=True, resources=dict(endpoints.resources))
