"""What follows a saved change of a case for its clocks: the alarms it moved are set and cleared
(carebird.sla.alarms), and the watches of the release before that it concerns (those
carebird.sla.clocks.settle took) are woken."""

from __future__ import annotations

from carebird.cases.model import Case
from carebird.cases.ports import CaseStore
from carebird.observability import logger
from carebird.sla import alarms, clocks
from carebird.sla.ports import SlaSignals


def after_save(
    signals: SlaSignals,
    cases: CaseStore,
    before: Case | None,
    saved: Case,
    woken: list[clocks.Woken] | None = None,
) -> None:
    """Once `saved` is stored in place of `before` (None: a new case): set the alarm of each clock whose
    moment moved (before clearing the old one, so a failure between leaves an alarm too many, which rings
    and finds nothing to do, rather than none), and wake the legacy watches in `woken`. An alarm that
    cannot be set fails the step (triage's is retried, and sets it again); one that cannot be cleared is
    only logged."""
    change = alarms.changes(before, saved)
    for alarm in change.set:
        signals.alarm.set(saved.id, alarm.clock, alarm.at)
    for alarm in change.clear:
        try:
            signals.alarm.clear(saved.id, alarm.clock, alarm.at)
        except Exception:  # left set, it rings, finds nothing to do, and is gone: never fail a saved change
            logger.exception("SLA alarm not cleared", extra={"case_id": saved.id, "clock": alarm.clock})
    wake(signals, cases, saved, woken or [])


def wake(signals: SlaSignals, cases: CaseStore, saved: Case, woken: list[clocks.Woken]) -> None:
    """Signal each legacy watch whose clock the change that `saved` stored moved, once it is stored: a
    clock that stopped (answered, resolved, closed) ends its watch; one that moved (paused, resumed,
    escalated) makes it look again. A watch's token is read from beside the case only now (one
    consistent GetItem per moved clock); a case saved by the release before that carries it."""
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
                signals.legacy.finished(token, output)
            else:
                signals.legacy.look_again(token, output)
