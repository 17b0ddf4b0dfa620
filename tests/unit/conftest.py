"""Unit tests run in-process against fakes: any socket, even loopback, is a bug in the test."""

from __future__ import annotations

import pytest
from pytest_socket import disable_socket, enable_socket

# The X-Ray SDK opens its UDP emitter's socket when it is imported (aws_xray_sdk.core's global recorder),
# and carebird.observability imports it when a handler first imports the Tracer, which unit tests do
# inside the test. Import it once here, before the tests' sockets are blocked; a socket a test opens is
# still a bug in the test.
from carebird.observability import tracer  # noqa: F401


@pytest.fixture(autouse=True)
def _no_network() -> object:
    disable_socket(allow_unix_socket=True)
    yield
    enable_socket()
