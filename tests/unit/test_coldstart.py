"""carebird.coldstart: no garbage collection while a handler's code loads, and what it loaded frozen."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from carebird import coldstart


@pytest.fixture(autouse=True)
def _thawed() -> Iterator[None]:
    yield
    gc.unfreeze()
    gc.enable()


def test_the_collector_waits_while_code_loads_and_then_collects_again() -> None:
    gc.unfreeze()
    with coldstart.loading():
        assert not gc.isenabled()
        loaded = [object() for _ in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(loaded)  # what loaded is no later collection's work


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with coldstart.loading():
        pass
    assert not gc.isenabled()


def test_a_failed_import_still_gives_the_collector_back() -> None:
    with pytest.raises(ImportError), coldstart.loading():
        import carebird.no_such_module  # type: ignore[import-not-found]  # noqa: F401
    assert gc.isenabled()
