"""Where the running local stack listens, as written by `carebird local up` into its state file.

The CLI and tests use this to reach the stack; the product itself only ever sees the resulting
environment variables (AWS_ENDPOINT_URL, X_API_BASE_URL, ...), exactly as it would on AWS.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

STATE_DIR_ENV = "CAREBIRD_LOCAL_DIR"


def state_dir() -> Path:
    return Path(os.environ.get(STATE_DIR_ENV, ".carebird/local")).resolve()


def state_file() -> Path:
    return state_dir() / "stack.json"


@dataclass(frozen=True)
class StackEndpoints:
    aws: str  # moto server: every AWS API
    x_api: str  # X API v2 (the built-in emulator, or the URL given to `up --x-api`)
    agent_api: str  # the agent API (an HTTP API), served as API Gateway would
    region: str
    pid: int
    resources: dict[str, str]  # template logical id -> physical name/ARN

    @property
    def agent_inbox(self) -> str:
        """The agent inbox page, served by the agent API (template.yaml: AgentApiFunction's Inbox events)."""
        return f"{self.agent_api}/inbox/"

    def aws_env(self) -> dict[str, str]:
        """Environment that points boto3 (and so PynamoDB and Powertools) at the local stack."""
        return {
            "AWS_ENDPOINT_URL": self.aws,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
        }


class StackNotRunning(RuntimeError):
    pass


def read_endpoints(path: Path | None = None) -> StackEndpoints:
    path = path or state_file()
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        raise StackNotRunning(
            f"the local stack is not running (no {path}); start it with `carebird local up`"
        ) from None
    return StackEndpoints(**raw)
