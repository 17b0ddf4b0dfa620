"""Unit tests get a fresh in-process emulator with the brand account in it."""

from __future__ import annotations

import pytest

from carebird_ops.xemu.state import EmulatorState
from tests.unit.xemu.harness import BRAND, X


@pytest.fixture
def x() -> X:
    state = EmulatorState()
    client = X(state)
    client.user(BRAND, followers=12000, verified=True)
    return client
