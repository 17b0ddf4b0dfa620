"""Contract tests talk HTTP to emulators on loopback only."""

from __future__ import annotations

import pytest
from pytest_socket import disable_socket, enable_socket, socket_allow_hosts


@pytest.fixture(autouse=True)
def _loopback_only() -> object:
    socket_allow_hosts(["127.0.0.1", "localhost", "::1"], allow_unix_socket=True)
    yield
    enable_socket()


__all__ = ["disable_socket"]
