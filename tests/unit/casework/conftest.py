"""Case work's jobs on fakes: the real CaseWorkService over tests.support's fakes, X included."""

from __future__ import annotations

import pytest

from tests.support.casework_fakes import CaseWorld


@pytest.fixture
def world() -> CaseWorld:
    return CaseWorld()
