"""Waking the SLA watches a saved change of a case concerns (those carebird.sla.clocks.settle took)."""

from __future__ import annotations

from carebird.cases.model import Case
from carebird.cases.ports import CaseStore
from carebird.observability import logger
from carebird.sla import clocks
from carebird.sla.ports import FirstResponseSignal


def wake(signal: FirstResponseSignal, cases: CaseStore, saved: Case, woken: list[clocks.Woken]) -> None:
    """Signal each watch whose clock the change that `saved` stored moved, once it is stored: a clock
    that stopped (answered, resolved, closed) ends its watch; one that moved (paused, resumed,
    escalated) makes it look again. A watch's token is read from beside the case only now (one
    consistent GetItem per moved clock); a case saved by the release before carries it."""
    for watch in woken:
        tokens = [watch.token] if watch.token is not None else []
        if watch.key is not None:
            kept = cases.watch_token(saved.id, watch.clock, watch.key)
            if kept is None:  # the watch's Await keeps it before the case names it: never expected
                logger.warning("SLA watch token missing", extra={"case_id": saved.id, "clock": watch.clock})
            else:
                tokens.append(kept)
        output = {"case_id": saved.id, "clock": watch.clock, "moved": True, "status": saved.status.value}
        stopped = clocks.moments(saved, watch.clock) == "stopped"
        for token in tokens:
            if stopped:
                signal.finished(token, output)
            else:
                signal.first_response(token, output)
