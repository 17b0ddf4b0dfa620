"""The SLA watch: what happens at a case's clocks' moments (at risk: tell people; breached: escalate).

Each open clock of a case has an alarm at its next moment (carebird.sla.alarms; a one-time EventBridge
Scheduler schedule): `ring` is what it does when it rings. It re-reads the case, which is the truth, and
does what the clock's moment asks, at most once (a warning or an escalation is recorded on the case as a
decision and never made twice), so a late, repeated or stale ring is harmless; the change it saves sets
the clock's next alarm. The first-response clock tells people when the first response is at risk
(`sla_at_risk`) and escalates at the target (`sla_breach`); the next-response and resolution clocks
(carebird.sla.clocks) are looked at by `sla_clock`.

Before the alarms, a Standard Step Functions execution per clock (infra/statemachine/sla_watch.asl.json)
waited on the case with a task token (`await_clock`, `evaluate`, and its first definition's steps
`watch_first_response`, `watch_clock`): those steps remain for executions started before the upgrade,
which run until their clocks stop; no new one is started.

A breach escalates by the brand's ladder (queue, priority), frees the agent's capacity, counts
SlaBreaches, notifies the assignee and supervisors, and gives the case to whoever works the escalation
queue (the CaseAssignment port; triage's least-loaded assignment).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import Any

from carebird.brands.desk import TriageConfig
from carebird.cases.model import Case, CaseStatus, ClockWatch, Decision, Outcome, priority_rank
from carebird.cases.ports import AgentDirectory, CaseConflict, CaseNotFound, CaseStore
from carebird.moments import readable
from carebird.sla import clocks
from carebird.sla.ports import (
    WATCH_TOKEN_PREFIX,
    CaseAssignment,
    Notifier,
    SlaMetrics,
    SlaSignals,
    watch_key,
)
from carebird.sla.wakes import after_save

Clock = Callable[[], datetime]
MAX_CONFLICT_RETRIES = 5


def seconds_until(now: datetime, moment: datetime) -> int:
    """Whole seconds to wait (a Step Functions timeout is a positive integer)."""
    return max(1, math.ceil((moment - now).total_seconds()))


def outcome(case: Case, now: datetime, *, threaded: bool, reason: str) -> Outcome:
    """What the workflow learns about the case: where it is, and how long to wait for its first response
    (a new open case not yet answered) before it is at risk and before it is breached."""
    watch = (
        not threaded
        and case.status.is_open
        and case.first_response_due is not None
        and case.first_response_at is None
    )
    at_risk = case.at_risk_at or case.first_response_due or now
    due = case.first_response_due or now
    at_risk_in_seconds = seconds_until(now, at_risk)
    return Outcome(
        case_id=case.id,
        status=case.status,
        queue=case.queue,
        priority=case.priority,
        assignee=case.assignee,
        threaded=threaded,
        first_response_due=case.first_response_due,
        reason=reason,
        await_first_response=watch,
        at_risk_in_seconds=at_risk_in_seconds,
        breach_in_seconds=seconds_until(now, due),
    )


class SlaWatch:
    def __init__(
        self,
        cases: CaseStore,
        agents: AgentDirectory,
        assignment: CaseAssignment,
        clock: Clock,
        *,
        signals: SlaSignals,
        notifier: Notifier,
        sla_metrics: SlaMetrics,
    ) -> None:
        self._cases = cases
        self._agents = agents
        self._assignment = assignment
        self._clock = clock
        self._signals = signals
        self._signal = signals.legacy
        self._notifier = notifier
        self._sla_metrics = sla_metrics

    # ------------------------------------------------------------------ an alarm rang
    def ring(self, case_id: str, clock: str, at: datetime, config_of: Callable[[str], TriageConfig]) -> bool:
        """The alarm of `clock` set for `at` rang: do what the clock's moment asks, as the case now says.
        Scheduler never rings before `at` (it may ring up to a minute after, or again), so the watch
        takes it as no earlier than `at` even if this sandbox's clock is a little behind; the change it
        saves sets the clock's next alarm. A case that is gone, or a clock with nothing to do, is left.
        `config_of` gives the brand's triage config by brand id. True if the case exists."""
        case = self._cases.get(case_id)
        if case is None:
            return False
        config = config_of(case.brand_id)
        rung = SlaWatch(
            self._cases,
            self._agents,
            self._assignment,
            lambda: max(self._clock(), at),
            signals=self._signals,
            notifier=self._notifier,
            sla_metrics=self._sla_metrics,
        )
        if clock == clocks.FIRST_RESPONSE:
            rung._first_response_moment(case_id, config)
        else:
            rung.sla_clock(case_id, clock, None, config)
        return True

    # ------------------------------------------------------------------ the watch's two steps
    def await_clock(self, case_id: str, watch: ClockWatch, task_token: str) -> bool:
        """The Await state: keep its token on the case until the clock moves or stops (or signal it now,
        if that happened already; a stopped clock ends the execution). True while it waits."""
        token = WATCH_TOKEN_PREFIX + task_token
        if watch.stopped:
            self._signal.finished(token, {"case_id": case_id, "clock": watch.clock, "stopped": True})
            return False
        if watch.clock == clocks.FIRST_RESPONSE:
            return self.watch_first_response(case_id, token)
        return self.watch_clock(case_id, watch.clock, token, watch.fingerprint or "", watch.instance)

    def evaluate(self, case_id: str, watch: ClockWatch, woken: bool, config: TriageConfig) -> ClockWatch:
        """The Evaluate state, after Await was woken (`woken`) or reached the clock's moment: do what the
        moment asks and say what to wait for next. The first-response watch, once the first reply woke it
        (or the target passed and was escalated), follows the resolution clock."""
        clock, instance = watch.clock, watch.instance
        if clock == clocks.FIRST_RESPONSE:
            wait = None if woken else self._first_response_moment(case_id, config)
            if wait is not None:
                return ClockWatch(clock=clock, wait_seconds=wait)
            clock, instance = clocks.RESOLUTION, None
        step = self.sla_clock(case_id, clock, instance, config)
        return ClockWatch(
            clock=clock,
            instance=instance,
            wait_seconds=step["wait_seconds"],
            fingerprint=step["fingerprint"],
            stopped=step["state"] == "stopped",
        )

    def _first_response_moment(self, case_id: str, config: TriageConfig) -> int | None:
        """The first response's moment: at risk (tell people; wait for the target) or breached
        (escalate). Seconds to wait for it still, or None once the first-response clock is over."""
        case = self._get(case_id)
        due = case.first_response_due
        if due is None or case.first_response_at is not None or not case.status.is_open:
            return None
        now = self._clock()
        at_risk = case.at_risk_at or due
        if now < at_risk:
            return seconds_until(now, at_risk)
        left = self.sla_at_risk(case_id)  # once; before the breach even when the watch looks late
        if now < due:
            return left
        self.sla_breach(case_id, config)
        return None

    # ------------------------------------------------------------------ first response
    def watch_first_response(self, case_id: str, task_token: str) -> bool:
        """Keep the waiting workflow's token beside the case (its key on the case, Case.watched), for the
        first reply to send. If the first reply came already (or the case is no longer open), signal the
        workflow now. True while it waits. (No wake-up is lost: as `watch_clock`.)"""
        key = watch_key(task_token)
        kept = False
        for _ in range(MAX_CONFLICT_RETRIES):
            case = self._get(case_id)
            if case.first_response_at is not None or not case.status.is_open:
                output = {"case_id": case.id, "already": True, "status": case.status.value}
                if case.status.is_open:  # answered: the resolution clock follows
                    self._signal.look_again(task_token, output)
                else:
                    self._signal.finished(task_token, output)
                return False
            watching = case.watched.get(clocks.FIRST_RESPONSE)
            if watching == key and case.first_response_task_token is None:
                return True
            if not kept:
                self._cases.keep_watch_token(case_id, clocks.FIRST_RESPONSE, key, task_token)
                kept = True
            watched = {**case.watched, clocks.FIRST_RESPONSE: key}
            try:
                self._cases.save(
                    case.model_copy(update={"watched": watched, "first_response_task_token": None})
                )
                return True
            except CaseConflict:
                continue
        raise CaseConflict(f"case {case_id} kept changing while storing its SLA watch")

    def sla_at_risk(self, case_id: str) -> int:
        """Tell the assignee and supervisors; returns the seconds left until the breach."""
        for _ in range(MAX_CONFLICT_RETRIES):
            case = self._get(case_id)
            due = case.first_response_due or self._clock()
            warned = any(d.kind == "sla_at_risk" and "@" not in d.value for d in case.decisions)
            if case.first_response_at is not None or warned:
                return seconds_until(self._clock(), due)
            now = self._clock()
            left = seconds_until(now, due)
            updated = case.with_decision(
                Decision(
                    at=now,
                    kind="sla_at_risk",
                    value=case.assignee or case.queue,
                    reason=f"no first response yet; the target is due in {left} s at {readable(due)}",
                ),
                updated_at=now,
            )
            try:
                saved = self._cases.save(updated)
            except CaseConflict:
                continue
            after_save(self._signals, self._cases, case, saved)
            self._notify(saved, "SLA at risk", f"first response due {readable(due)}")
            return left
        raise CaseConflict(f"case {case_id} kept changing while marking it at risk")

    def sla_breach(self, case_id: str, config: TriageConfig) -> Outcome:
        """The first-response target passed: escalate by the brand's ladder, count it, tell people."""
        for _ in range(MAX_CONFLICT_RETRIES):
            case = self._get(case_id)
            if case.first_response_at is not None or not case.status.is_open:
                return self._outcome(case, "answered or closed before the breach")
            if any(d.kind == "sla_breach" and d.value == "first_response" for d in case.decisions):
                return self._outcome(case, "breach already escalated")
            due = readable(case.first_response_due or self._clock())
            escalated = self._escalate(case, config, "first_response", f"first response not made by {due}")
            if escalated is None:
                continue
            assigned, reason = escalated
            return self._outcome(assigned, reason)
        raise CaseConflict(f"case {case_id} kept changing while escalating it")

    # ------------------------------------------------------------------ next-response and resolution clocks
    def sla_clock(
        self, case_id: str, clock: str, instance: str | None, config: TriageConfig
    ) -> dict[str, Any]:
        """Where the clock stands now, doing what its moment asks: tell people once when it is at risk,
        escalate once when it is breached. Returns {state: running|paused|stopped, wait_seconds,
        fingerprint}: the workflow waits that long (or until woken) and asks again."""
        for _ in range(MAX_CONFLICT_RETRIES):
            case = self._get(case_id)
            state = clocks.moments(case, clock, instance)
            fingerprint = clocks.fingerprint(case, clock)
            if state == "stopped":
                return {"state": "stopped", "wait_seconds": 1, "fingerprint": fingerprint}
            if state == "paused":
                return {
                    "state": "paused",
                    "wait_seconds": clocks.PAUSED_WAIT_SECONDS,
                    "fingerprint": fingerprint,
                }
            assert isinstance(state, clocks.Moments)
            now = self._clock()
            tag = f"{clock}@{state.instance}"
            if now >= state.due:
                if any(d.kind == "sla_breach" and d.value == tag for d in case.decisions):
                    return {"state": "stopped", "wait_seconds": 1, "fingerprint": fingerprint}
                what = f"{clock.replace('_', ' ')} due {readable(state.due)} passed"
                if self._escalate(case, config, tag, what) is not None:
                    return {"state": "stopped", "wait_seconds": 1, "fingerprint": fingerprint}
                continue
            if now >= state.at_risk and not any(
                d.kind == "sla_at_risk" and d.value == tag for d in case.decisions
            ):
                left = seconds_until(now, state.due)
                what = clock.replace("_", " ")
                updated = case.with_decision(
                    Decision(
                        at=now,
                        kind="sla_at_risk",
                        value=tag,
                        reason=f"{what} due in {left} s at {readable(state.due)}",
                    ),
                    updated_at=now,
                )
                try:
                    saved = self._cases.save(updated)
                except CaseConflict:
                    continue
                after_save(self._signals, self._cases, case, saved)
                self._notify(saved, "SLA at risk", f"{what} due {readable(state.due)}")
                case = saved
                fingerprint = clocks.fingerprint(case, clock)
            moment = state.due if now >= state.at_risk else state.at_risk
            return {
                "state": "running",
                "wait_seconds": seconds_until(now, moment),
                "fingerprint": fingerprint,
            }
        raise CaseConflict(f"case {case_id} kept changing while its {clock} clock was checked")

    def watch_clock(
        self, case_id: str, clock: str, task_token: str, fingerprint: str, instance: str | None = None
    ) -> bool:
        """Keep the waiting workflow's token beside the case and mark the clock watched on it (its key,
        Case.watched). If the clock moved since the workflow looked (`fingerprint` differs), wake it now
        (stopped: end it). True while it waits.

        No wake-up is lost to a change saved meanwhile: the token is stored before the case names it, and
        the case is saved only from the version whose fingerprint was checked. A change saved first makes
        that save a conflict, and the next look sees the clock moved; one saved after finds the key on
        the case, and so the token (carebird.sla.wakes). A token the release before kept on the case is
        moved out by the same save."""
        key = watch_key(task_token)
        kept = False
        for _ in range(MAX_CONFLICT_RETRIES):
            case = self._get(case_id)
            if clocks.fingerprint(case, clock) != fingerprint:
                output = {"case_id": case.id, "clock": clock, "moved": True}
                if clocks.moments(case, clock, instance) == "stopped":
                    self._signal.finished(task_token, output)
                else:
                    self._signal.look_again(task_token, output)
                return False
            if case.watched.get(clock) == key and clock not in case.clock_tokens:
                return True
            if not kept:
                self._cases.keep_watch_token(case_id, clock, key, task_token)
                kept = True
            legacy = {c: t for c, t in case.clock_tokens.items() if c != clock}
            try:
                self._cases.save(
                    case.model_copy(update={"watched": {**case.watched, clock: key}, "clock_tokens": legacy})
                )
                return True
            except CaseConflict:
                continue
        raise CaseConflict(f"case {case_id} kept changing while storing its {clock} watch")

    # ------------------------------------------------------------------ escalation
    def _escalate(self, case: Case, config: TriageConfig, tag: str, what: str) -> tuple[Case, str] | None:
        """A breach: escalate by the brand's ladder (queue, priority; the agent's capacity freed), record
        it as decision sla_breach `tag`, count SlaBreaches, tell people, and give the case to those who
        work the escalation queue. (case, reason); None when the case changed meanwhile (look again)."""
        now = self._clock()
        step = config.escalation_ladder[min(case.sla_breaches, len(config.escalation_ladder) - 1)]
        level = f"P{max(1, priority_rank(case.priority) - step.raise_priority)}"
        if case.assignee is not None:
            self._agents.release(case.assignee, case.id)
        reason = f"{what}: escalated from {case.queue} to {step.queue}, priority {case.priority} -> {level}"
        updated = case.with_decision(
            Decision(at=now, kind="sla_breach", value=tag, reason=reason),
            queue=step.queue,
            priority=level,
            assignee=None,
            status=CaseStatus.QUEUED,
            sla_breaches=case.sla_breaches + 1,
            updated_at=now,
        )
        updated, tokens = clocks.settle(case, updated, now, config)
        try:
            saved = self._cases.save(updated)
        except CaseConflict:
            return None
        after_save(self._signals, self._cases, case, saved, tokens)
        self._sla_metrics.breach(case.brand_id, case.queue, case.priority)
        self._notify(saved, "SLA breached", reason)
        return self._assignment.assign(saved, capability=step.queue), reason

    # ------------------------------------------------------------------ helpers
    def _get(self, case_id: str) -> Case:
        case = self._cases.get(case_id)
        if case is None:
            raise CaseNotFound(f"case {case_id} does not exist")
        return case

    def _outcome(self, case: Case, reason: str) -> Outcome:
        return outcome(case, self._clock(), threaded=False, reason=reason)

    def _notify(self, case: Case, subject: str, detail: str) -> None:
        supervisors = [a.id for a in self._agents.agents(case.brand_id) if a.role == "supervisor"]
        self._notifier.notify(
            f"{subject}: case {case.id}",
            {
                "case_id": case.id,
                "brand_id": case.brand_id,
                "queue": case.queue,
                "priority": case.priority,
                "assignee": case.assignee,
                "supervisors": supervisors,
                "customer": case.customer.username or case.customer.id,
                "detail": detail,
            },
        )
