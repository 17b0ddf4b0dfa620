"""Suite-wide fixtures.

Unit tests (tests/unit) cannot open sockets. Integration tests (tests/integration) run the real
handlers on the local stack over HTTP: `local_stack` starts `carebird local up --detach` once per
session, on free loopback ports and with its own state directory, and stops it at the end.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

# One minute of schedule becomes one second: the poll schedule fires every second in tests.
STACK_TIME_SCALE = "60"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "/integration/" in str(item.path):
            item.add_marker(pytest.mark.integration)


def carebird(
    *args: str, env: dict[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """Run the carebird CLI as a user would, from the repository root."""
    return subprocess.run(
        [sys.executable, "-m", "carebird_ops", *args],
        cwd=REPO,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from carebird_ops.local.endpoints import read_endpoints

    state = tmp_path_factory.mktemp("local-stack")
    env = {"CAREBIRD_LOCAL_DIR": str(state)}
    up = carebird(
        "local", "up", "--detach", "--aws-port", "0", "--x-port", "0", "--api-port", "0",
        "--time-scale", STACK_TIME_SCALE, "--x-seed", "7",
        env=env,
    )  # fmt: skip
    if up.returncode != 0:
        pytest.fail(f"carebird local up failed ({up.returncode}):\n{up.stdout}\n{up.stderr}")
    previous = os.environ.get("CAREBIRD_LOCAL_DIR")
    os.environ["CAREBIRD_LOCAL_DIR"] = str(state)
    try:
        yield read_endpoints()
    finally:
        carebird("local", "down", env=env)
        if previous is None:
            os.environ.pop("CAREBIRD_LOCAL_DIR", None)
        else:
            os.environ["CAREBIRD_LOCAL_DIR"] = previous
