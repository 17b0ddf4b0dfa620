"""Reaching the local stack from tests as an operator would: boto3 clients on its AWS endpoint, and a
brand of the tests' own registered through the carebird CLI."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import boto3

from carebird_ops.local.endpoints import StackEndpoints
from carebird_ops.xemu.client import EmulatorClient
from tests.conftest import carebird

SECRET_FIELDS = ("consumer_key", "consumer_secret", "access_token", "access_token_secret", "bearer_token")


def stack_client(stack: StackEndpoints, service: str) -> Any:
    """A boto3 client for `service` on the stack's AWS endpoint, whatever the process environment says."""
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=stack.aws,
        region_name=stack.region,
        aws_access_key_id="l",
        aws_secret_access_key="l",
    )


def add_brand(
    x: EmulatorClient, handle: str, *, name: str, followers: int, settings: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The brand's account on the X emulator, its credentials in Secrets Manager, and `carebird brand add`
    without polling (with its `settings`, each a `--setting`): triage never works a test's cases behind its
    back. Needs the stack's AWS environment (tests.integration.agent_desk.stack_env). Returns the brand's X
    user."""
    user = x.ensure_user(handle, name=name, followers=followers)
    credentials = x.credentials(handle)
    secret = boto3.client("secretsmanager").create_secret(
        Name=f"carebird/carebird/x/{handle.lower()}",
        SecretString=json.dumps({k: credentials.get(k, "") for k in SECRET_FIELDS}),
    )["ARN"]
    options = [f"--setting={key}={json.dumps(value)}" for key, value in (settings or {}).items()]
    added = carebird(
        "brand", "add", "--handle", handle, "--user-id", user["id"], "--secret", secret, "--no-poll", *options
    )
    assert added.returncode == 0, added.stderr
    return user


def add_agents(handle: str, agents: Mapping[str, Sequence[str]], password: str) -> None:
    """`carebird agent add` for each agent (id -> its options) of the brand, each with a sign-in."""
    for agent, options in agents.items():
        made = carebird("agent", "add", "--brand", handle, "--id", agent, "--password", password, *options)
        assert made.returncode == 0, made.stderr
        assert "sign-in created" in made.stdout
