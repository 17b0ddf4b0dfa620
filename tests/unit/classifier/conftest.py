"""Fixtures of small labelled data (see tests/support/classifier_data.py)."""

from __future__ import annotations

import pytest

from tests.support.classifier_data import make_examples


@pytest.fixture
def examples() -> tuple[list[str], list[str]]:
    return make_examples(30, seed=1)


@pytest.fixture
def held_out() -> tuple[list[str], list[str]]:
    return make_examples(10, seed=2)
