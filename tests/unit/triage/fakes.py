"""Triage's tests use the one fake of each case port, shared in tests/support/case_fakes.py (held to the
DynamoDB adapter's contract in tests/integration/storage), under the names they have always used."""

from __future__ import annotations

from tests.support.case_fakes import FakeCaseRepository as FakeCases
from tests.support.case_fakes import FakeRoster as FakeAgents
from tests.support.case_fakes import FixedPriority

__all__ = ["FakeAgents", "FakeCases", "FixedPriority"]
