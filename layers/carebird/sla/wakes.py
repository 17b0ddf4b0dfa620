"""Waking the SLA watches a saved change of a case concerns (the tokens carebird.sla.clocks.settle took)."""

from __future__ import annotations

from carebird.cases.model import Case
from carebird.sla import clocks
from carebird.sla.ports import FirstResponseSignal


def wake(signal: FirstResponseSignal, before: Case, saved: Case, tokens: list[str]) -> None:
    """Signal each watch whose clock the change from `before` to `saved` moved, once `saved` is stored: a
    clock that stopped (answered, resolved, closed) ends its watch; one that moved (paused, resumed,
    escalated) makes it look again."""
    clock_of = {token: clock for clock, token in before.clock_tokens.items()}
    for token in tokens:
        clock = clock_of.get(token)
        output = {"case_id": saved.id, "clock": clock, "moved": True, "status": saved.status.value}
        if clock is not None and clocks.moments(saved, clock) == "stopped":
            signal.finished(token, output)
        else:
            signal.first_response(token, output)
