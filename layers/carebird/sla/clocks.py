"""SLA clocks after the first response: next response, resolution, and the pause while the case waits on the
customer. Pure functions over a Case; triage's routing, the SLA watch and casework apply them.

- First response (carebird.triage.routing): set when a case opens, stopped by the brand's first reply.
- Next response: starts when the customer writes again in an open case the brand has already answered
  (and no next-response clock runs), due by the priority's `next_response_minutes`; stopped by the
  brand's next reply. Several in a case's life, one at a time, each known by the message that started it.
- Resolution: starts when the case opens, due by `resolution_minutes`; paused while the case is
  pending_customer (the business time left is kept), resumed when it leaves that status (the customer
  wrote, or an agent moved it), stopped when the case is resolved or closed, with its verdict recorded
  (a decision "resolution": met or missed). A reopened case gets no second resolution clock.

Every clock counts in the case's queue's business hours, is at risk at the brand's at_risk_fraction of
its target and breached at the target. Each open clock has an alarm at its next moment (carebird.sla.
alarms): a saved change that moves a clock (paused, resumed, escalated) moves its alarm, one that stops
it (answered, resolved, closed) clears it (carebird.sla.wakes), and a ringing alarm does what the moment
asks (carebird.sla.watch.SlaWatch.ring). The watch executions of the release before, still running for
cases opened before the upgrade, are woken by the same changes (`settle` takes them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from carebird.brands.desk import TriageConfig
from carebird.cases.model import Case, CaseStatus, Decision
from carebird.moments import readable

FIRST_RESPONSE = "first_response"
NEXT_RESPONSE = "next_response"
RESOLUTION = "resolution"
CLOCKS = (NEXT_RESPONSE, RESOLUTION)
# A paused clock waits for a wake-up, at most this long (a Step Functions execution lives a year).
PAUSED_WAIT_SECONDS = 360 * 24 * 3600


@dataclass(frozen=True)
class Woken:
    """A watch a saved change is to wake (carebird.sla.wakes): its clock, and its token's key (the token
    kept beside the case) or, for a case saved by the release before, the token itself."""

    clock: str
    key: str | None = None
    token: str | None = None


@dataclass(frozen=True)
class Moments:
    """A running clock: when it is at risk and when it is breached. `instance` names this run of it."""

    instance: str
    at_risk: datetime
    due: datetime


def fingerprint(case: Case, clock: str) -> str:
    """Changes exactly when the clock's moments or its running state change."""
    if clock == NEXT_RESPONSE:
        since = case.next_response_since.isoformat() if case.next_response_since else "-"
        return f"{case.status.value}|{since}|{case.next_response_due}"
    if clock == RESOLUTION:
        return f"{case.status.value}|{case.resolution_due}|{case.resolution_paused_at}"
    raise ValueError(f"unknown SLA clock {clock!r}; known: {', '.join(CLOCKS)}")


def moments(case: Case, clock: str, instance: str | None = None) -> Moments | str:
    """The running clock's moments, or why there are none: "stopped" or "paused".

    `instance` (the run the workflow watches) must still be the case's current one: a next-response
    clock that was answered and started again belongs to another execution."""
    if not case.status.is_open:
        return "stopped"
    if clock == NEXT_RESPONSE:
        since, due, at_risk = case.next_response_since, case.next_response_due, case.next_response_at_risk_at
        if since is None or due is None or at_risk is None:
            return "stopped"
        current = since.isoformat()
        if instance is not None and instance != current:
            return "stopped"
        return Moments(current, at_risk, due)
    if clock == RESOLUTION:
        if case.resolution_window_s is None:
            return "stopped"
        if case.resolution_paused_at is not None:
            return "paused"
        if case.resolution_due is None or case.resolution_at_risk_at is None:
            return "stopped"
        return Moments(RESOLUTION, case.resolution_at_risk_at, case.resolution_due)
    raise ValueError(f"unknown SLA clock {clock!r}; known: {', '.join(CLOCKS)}")


def start_resolution(case: Case, config: TriageConfig, scale: float, since: datetime) -> Case:
    target = config.sla[case.priority].resolution_minutes
    if target is None:
        return case
    calendar = config.queues[case.queue].business_hours
    window = timedelta(minutes=target) / scale
    return case.model_copy(
        update={
            "resolution_window_s": window.total_seconds(),
            "resolution_due": calendar.add(since, window),
            "resolution_at_risk_at": calendar.add(since, window * config.at_risk_fraction),
        }
    )


def start_next_response(
    case: Case, config: TriageConfig, scale: float, since: datetime, now: datetime
) -> Case:
    """The customer wrote at `since`: if the brand answered before and no next-response clock runs, start
    one (recorded as a decision). Otherwise the case is returned as it is."""
    target = config.sla[case.priority].next_response_minutes
    if target is None or case.first_response_at is None or case.next_response_since is not None:
        return case
    calendar = config.queues[case.queue].business_hours
    window = timedelta(minutes=target) / scale
    due = calendar.add(since, window)
    reason = f"the customer wrote again: next response within {target:g} business minutes of {case.queue}"
    if scale != 1:
        reason += f" (SLA clock {scale:g}x faster)"
    return case.with_decision(
        Decision(at=now, kind="sla", value=f"{NEXT_RESPONSE}:{due.isoformat()}", reason=reason),
        next_response_since=since,
        next_response_due=due,
        next_response_at_risk_at=calendar.add(since, window * config.at_risk_fraction),
    )


def stop_next_response(case: Case, at: datetime, by: str) -> tuple[Case, bool | None]:
    """The brand answered at `at`: stop a running next-response clock. (case, met) with met None when
    no clock ran."""
    since, due = case.next_response_since, case.next_response_due
    if since is None or due is None:
        return case, None
    met = at <= due
    waited = int((at - since).total_seconds())
    reason = (
        f"next reply by {by}, {waited} s after the customer wrote, "
        f"{'within' if met else 'after'} the target due {readable(due)}"
    )
    stopped = case.with_decision(
        Decision(at=at, kind=NEXT_RESPONSE, value="met" if met else "missed", reason=reason, by=by),
        next_response_since=None,
        next_response_due=None,
        next_response_at_risk_at=None,
    )
    return stopped, met


def settle(
    before: Case,
    after: Case,
    now: datetime,
    config: TriageConfig | Callable[[], TriageConfig | None] | None,
) -> tuple[Case, list[Woken]]:
    """Apply the pause rule to a change of the case, and take the watches of the clocks it moved (to
    wake them, once the change is saved: carebird.sla.wakes). `config` may be given as a function, called only
    when the clock pauses or resumes (the calendar is needed then, and only then). None: the brand's
    calendar is unknown here, so wall-clock time stands in for business time."""
    case = after
    paused = after.status is CaseStatus.PENDING_CUSTOMER
    running = after.resolution_window_s is not None and after.status.is_open
    pausing = running and paused and after.resolution_paused_at is None and after.resolution_due is not None
    resuming = running and not paused and after.resolution_paused_at is not None
    if pausing or resuming:
        brand = config() if callable(config) else config
        calendar = brand.queues[after.queue].business_hours if brand and after.queue in brand.queues else None
    if pausing and after.resolution_due is not None:
        due = after.resolution_due
        left = calendar.open_time_between(now, due) if calendar else max(due - now, timedelta(0))
        case = case.with_decision(
            Decision(
                at=now,
                kind="sla_paused",
                value=RESOLUTION,
                reason=f"waiting on the customer: clock paused, {left.total_seconds():.0f} s left",
            ),
            resolution_paused_at=now,
            resolution_left_s=left.total_seconds(),
            resolution_due=None,
            resolution_at_risk_at=None,
        )
    elif resuming and after.resolution_window_s is not None:
        left = timedelta(seconds=after.resolution_left_s or 0)
        before_risk = left - timedelta(seconds=after.resolution_window_s) * (1 - _fraction(brand))
        add = calendar.add if calendar else (lambda start, span: start + span)
        due = add(now, left)
        case = case.with_decision(
            Decision(
                at=now,
                kind="sla_resumed",
                value=RESOLUTION,
                reason=f"{after.status.value}, no longer waiting on the customer: due {readable(due)}",
            ),
            resolution_paused_at=None,
            resolution_left_s=None,
            resolution_due=due,
            resolution_at_risk_at=add(now, max(before_risk, timedelta(0))),
        )
    if before.status.is_open and not after.status.is_open:
        case = _stop_all(case, now)
    watching = {c for c in (*case.watched, *case.clock_tokens) if c in CLOCKS}  # (first response: replies)
    woken = [c for c in sorted(watching) if fingerprint(before, c) != fingerprint(case, c)]
    if not woken:
        return case, []
    wakes = [Woken(c, key=case.watched.get(c), token=case.clock_tokens.get(c)) for c in woken]
    update = {
        "watched": {c: k for c, k in case.watched.items() if c not in woken},
        "clock_tokens": {c: t for c, t in case.clock_tokens.items() if c not in woken},
    }
    return case.model_copy(update=update), wakes


def _stop_all(case: Case, now: datetime) -> Case:
    """The case is resolved or closed: the resolution clock stops with its verdict; the others stop."""
    if case.resolution_window_s is not None:
        if case.resolution_paused_at is not None:
            met, why = (
                (case.resolution_left_s or 0) > 0,
                "while the clock was paused (waiting on the customer)",
            )
        else:
            due = case.resolution_due or now
            met, why = now <= due, f"{'within' if now <= due else 'after'} the target due {readable(due)}"
        case = case.with_decision(
            Decision(
                at=now, kind=RESOLUTION, value="met" if met else "missed", reason=f"{case.status.value} {why}"
            ),
        )
    return case.model_copy(
        update={
            "resolution_window_s": None,
            "resolution_due": None,
            "resolution_at_risk_at": None,
            "resolution_paused_at": None,
            "resolution_left_s": None,
            "next_response_since": None,
            "next_response_due": None,
            "next_response_at_risk_at": None,
        }
    )


def view(case: Case, clock: str, now: datetime) -> dict[str, Any] | None:
    """The clock as agents see it: state (running, paused, breached, stopped), due and seconds left."""
    state = moments(case, clock)
    if isinstance(state, Moments):
        left = int((state.due - now).total_seconds())
        return {
            "state": "breached" if left < 0 else "running",
            "due_at": state.due.isoformat(),
            "seconds_left": left,
        }
    if state == "paused":
        return {"state": "paused", "seconds_left": int(case.resolution_left_s or 0)}
    return None


def _fraction(config: TriageConfig | None) -> float:
    return config.at_risk_fraction if config is not None else 0.8
