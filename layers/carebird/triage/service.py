"""Triage: thread each customer message into its case, close noise, or route a new case to the right skill.

Every step is idempotent on the message id, because Step Functions retries a failed Task: the case id
of a new case is derived from its first message, messages are appended at most once, and an agent's
capacity is taken with a conditional write.

Routing, in order (each choice is recorded on the case with its reason):
1. Threading. A message in a conversation that already has an open case (a reply in the same
   conversation_id), or a DM from a customer with an open case, joins that case. A closed or resolved
   case is never reopened by triage: the message starts a new case.
2. Noise (carebird.triage.lanes). Spam the classifier is sure of, from a strong signal, becomes a case
   closed automatically with the reason, listed for agents to restore. Messages that need no response
   (thanks, praise) open a P4 case in the acknowledge lane, unless the brand opted in to closing them.
3. Queue. The skill's queue when the classifier is confident and the skill is configured; the triage
   queue (a person sorts it) when confidence is below the brand's minimum or the skill is unknown; the
   fallback queue when the skill's queue does not serve the message's language.
4. Agent. Among available agents with the skill and the language, the least loaded (open cases over
   capacity, then whoever was assigned longest ago) who still has capacity; otherwise the case waits in
   its queue.
5. SLA. The first-response deadline is the brand's target for the priority, counted in the queue's
   business hours from the moment the customer wrote; the resolution clock starts with it, and a
   customer's message after the brand answered starts a next-response clock (carebird.sla.clocks).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from carebird.brands.desk import TriageConfig
from carebird.cases.model import (
    Agent,
    Case,
    CaseMessage,
    CaseStatus,
    Channel,
    Decision,
    IncomingMessage,
    Outcome,
    with_customer_text,
)
from carebird.cases.ports import (
    AgentDirectory,
    CaseConflict,
    CaseStore,
    ConversationClaimed,
    FirstResponseSignal,
    Notifier,
    PriorityPolicy,
    SlaMetrics,
)
from carebird.sla import clocks
from carebird.triage.lanes import noise_lane

Clock = Callable[[], datetime]
_MAX_CONFLICT_RETRIES = 5


class CaseNotFound(LookupError):
    pass


class _Silent:
    """Stand-ins for deployments (and tests) that wire no notifications, signal or metrics."""

    def first_response(self, task_token: str, output: dict[str, Any]) -> None:
        return None

    def notify(self, subject: str, message: dict[str, Any]) -> None:
        return None

    def breach(self, brand_id: str, queue: str, priority: str) -> None:
        return None


def case_id_for(message: IncomingMessage) -> str:
    return f"{message.brand_id}-{'d' if message.channel is Channel.DM else 't'}{message.id}"


def _label(classification: dict[str, Any], key: str) -> tuple[Any, float]:
    """(value, confidence) of one classifier signal: {label|value, confidence}, or a bare value."""
    signal = classification.get(key)
    if isinstance(signal, dict):
        value = signal.get("label", signal.get("value"))
        return value, float(signal.get("confidence", 1.0))
    return signal, 1.0


class TriageService:
    def __init__(
        self,
        cases: CaseStore,
        agents: AgentDirectory,
        priority: PriorityPolicy,
        clock: Clock = lambda: datetime.now(UTC),
        *,
        sla_clock_scale: float = 1.0,
        signal: FirstResponseSignal | None = None,
        notifier: Notifier | None = None,
        sla_metrics: SlaMetrics | None = None,
    ) -> None:
        if sla_clock_scale <= 0:
            raise ValueError("sla_clock_scale must be positive")
        self._cases = cases
        self._agents = agents
        self._priority = priority
        self._clock = clock
        # >1 compresses every SLA target (tests, demos): due dates, waits and verdicts stay consistent.
        self._scale = sla_clock_scale
        self._signal: FirstResponseSignal = signal or _Silent()
        self._notifier: Notifier = notifier or _Silent()
        self._sla_metrics: SlaMetrics = sla_metrics or _Silent()

    # ------------------------------------------------------------------ entry points
    def triage(
        self, message: IncomingMessage, classification: dict[str, Any], config: TriageConfig
    ) -> Outcome:
        """Route a message the classifier says needs work."""
        existing = self._existing_case(message)
        if existing is not None:
            return self._thread(existing, message, classification, config)
        return self._new_case(message, classification, config, close_reason=None)

    def close_noise(
        self, message: IncomingMessage, classification: dict[str, Any], config: TriageConfig
    ) -> Outcome:
        """Spam, or no response needed. A message inside an open conversation still joins its case."""
        existing = self._existing_case(message)
        if existing is not None:
            return self._thread(existing, message, classification, config)
        lane, reason = noise_lane(classification, config)
        if lane == "acknowledge":
            return self._acknowledge(message, classification, config, reason)
        return self._new_case(message, classification, config, close_reason=reason)

    def needs_human(self, message: IncomingMessage, error: str, config: TriageConfig) -> Outcome:
        """Classification failed for good: the message goes to people rather than being lost."""
        existing = self._existing_case(message)
        if existing is not None:
            return self._thread(existing, message, {"error": error}, config)
        now = self._clock()
        case = self._blank_case(message, now, config.needs_human_queue)
        case = case.with_decision(
            Decision(
                at=now, kind="needs_human", value=config.needs_human_queue, reason=f"triage failed: {error}"
            )
        )
        case = self._with_sla(case, "P2", config, message.created_at, "P2 by default when triage failed")
        return self._create(case, message, {"error": error}, config)

    # ------------------------------------------------------------------ steps
    def _existing_case(self, message: IncomingMessage) -> Case | None:
        if message.conversation_id:
            case = self._cases.open_case_for_conversation(message.brand_id, message.conversation_id)
            if case is not None:
                return case
        if message.channel is Channel.DM:
            return self._cases.open_case_for_customer(message.brand_id, message.customer.id)
        return None

    def _thread(
        self,
        case: Case,
        message: IncomingMessage,
        classification: dict[str, Any],
        config: TriageConfig | None = None,
    ) -> Outcome:
        # Append first (idempotent), then record it on the case; a retry after a crash between the two
        # finds the message stored but not yet on the case, and finishes the job.
        self._cases.add_message(case, _case_message(message, classification))
        for _ in range(_MAX_CONFLICT_RETRIES):
            if message.id in case.message_ids:
                break
            now = self._clock()
            via = (
                f"conversation {message.conversation_id}"
                if message.conversation_id
                else "the customer's open DM case"
            )
            updates: dict[str, Any] = {
                "message_ids": (*case.message_ids, message.id),
                "customer_texts": with_customer_text(case.customer_texts, message.text),
                "updated_at": now,
            }
            if message.conversation_id and message.conversation_id not in case.conversation_ids:
                updates["conversation_ids"] = (*case.conversation_ids, message.conversation_id)
            updated = case.with_decision(
                Decision(at=now, kind="threaded", value=message.id, reason=f"joined via {via}"), **updates
            )
            level, score, why = self._priority.score(
                {**case.classification, **{k: v for k, v in classification.items() if k != "priority"}},
                case.customer,
                message.engagement,
            )
            if _rank(level) < _rank(case.priority):  # a case only moves up on new messages
                updated = updated.with_decision(
                    Decision(
                        at=now, kind="priority", value=level, reason=f"raised from {case.priority}: {why}"
                    ),
                    priority=level,
                    priority_score=score,
                )
            if updated.status is CaseStatus.PENDING_CUSTOMER:  # the customer answered: the brand's turn
                back = CaseStatus.ASSIGNED if updated.assignee else CaseStatus.QUEUED
                updated = updated.with_decision(
                    Decision(
                        at=now,
                        kind="status",
                        value=back.value,
                        reason=f"the customer wrote again: back to {updated.assignee or updated.queue}",
                    ),
                    status=back,
                )
            if config is not None and updated.status.is_open:
                updated = clocks.start_next_response(updated, config, self._scale, message.created_at, now)
            updated, wake = clocks.settle(case, updated, now, config)
            try:
                case = self._cases.save(updated)
                self._wake(wake, case)
                break
            except CaseConflict:
                fresh = self._cases.get(case.id)
                if fresh is None:
                    raise
                case = fresh
        else:
            # Still conflicting: fail the step so Step Functions retries it (it is idempotent).
            raise CaseConflict(f"case {case.id} kept changing while threading message {message.id}")
        outcome = self._outcome(case, threaded=True, reason=f"threaded into case {case.id}")
        if case.status.is_open and case.next_response_since == message.created_at:
            # This message started the next-response clock (or a retried step finds it did): watch it.
            outcome = outcome.model_copy(
                update={"watch_clock": clocks.NEXT_RESPONSE, "clock_instance": message.created_at.isoformat()}
            )
        return outcome

    def _new_case(
        self,
        message: IncomingMessage,
        classification: dict[str, Any],
        config: TriageConfig,
        close_reason: str | None,
    ) -> Outcome:
        now = self._clock()
        if close_reason is not None:
            case = self._blank_case(message, now, config.triage_queue).with_decision(
                Decision(at=now, kind="closed", value="closed", reason=close_reason),
                status=CaseStatus.CLOSED,
                closed_reason=close_reason,
                classification=classification,
                priority="P4",
            )
            return self._create(case, message, classification, config)

        queue, skill, language, why_queue = choose_queue(message.lang, classification, config)
        level, score, why_priority = self._priority.score(
            classification, message.customer, message.engagement
        )
        case = self._blank_case(message, now, queue).model_copy(
            update={"skill": skill, "language": language, "classification": classification}
        )
        case = case.with_decision(Decision(at=now, kind="queue", value=queue, reason=why_queue))
        case = case.with_decision(
            Decision(at=now, kind="priority", value=level, reason=why_priority),
            priority=level,
            priority_score=score,
        )
        case = self._with_sla(case, level, config, message.created_at, f"{level} target")
        return self._create(case, message, classification, config)

    def _acknowledge(
        self, message: IncomingMessage, classification: dict[str, Any], config: TriageConfig, reason: str
    ) -> Outcome:
        """A P4 case in the acknowledge lane: seen by a person, never closed unseen."""
        now = self._clock()
        queue = config.acknowledge_queue
        case = self._blank_case(message, now, queue).model_copy(
            update={"language": _label(classification, "language")[0] or message.lang}
        )
        case = case.with_decision(
            Decision(at=now, kind="queue", value=queue, reason=reason),
            classification=classification,
        )
        case = case.with_decision(
            Decision(
                at=now, kind="priority", value="P4", reason="P4: needs no answer, only an acknowledgement"
            ),
            priority="P4",
            priority_score=0.0,
        )
        case = self._with_sla(case, "P4", config, message.created_at, "P4 target")
        return self._create(case, message, classification, config)

    def _create(
        self, case: Case, message: IncomingMessage, classification: dict[str, Any], config: TriageConfig
    ) -> Outcome:
        try:
            stored = self._cases.create(case, _case_message(message, classification))
        except ConversationClaimed as claimed:
            # Two first messages of one conversation raced; the other one made the case.
            owner = self._cases.get(claimed.case_id)
            if owner is None:
                raise
            return self._thread(owner, message, classification)
        if stored.status is CaseStatus.QUEUED and stored.assignee is None:
            stored = self._assign(stored)
        return self._outcome(
            stored, threaded=False, reason=stored.decisions[-1].reason if stored.decisions else ""
        )

    def _assign(self, case: Case, capability: str | None = None) -> Case:
        capability = capability or case.skill or case.queue
        candidates = [a for a in self._agents.agents(case.brand_id) if a.can_take(capability, case.language)]
        candidates.sort(key=_load_order)
        for agent in candidates:
            now = self._clock()
            holder = self._agents.claim(agent, case.id, now)
            if holder is None:
                continue  # someone else took their last slot; try the next
            if holder == agent.id:
                load = f"{agent.open_cases}/{agent.capacity} open"
                reason = f"least loaded agent with skill {capability}: {load}"
            else:
                reason = f"already assigned to {holder} by an earlier attempt of this step"
            updated = case.with_decision(
                Decision(at=now, kind="assignment", value=holder, reason=reason),
                assignee=holder,
                status=CaseStatus.ASSIGNED,
                updated_at=now,
            )
            try:
                return self._cases.save(updated)
            except CaseConflict:
                fresh = self._cases.get(case.id)
                return fresh if fresh is not None else case
        now = self._clock()
        waiting = case.with_decision(
            Decision(
                at=now,
                kind="assignment",
                value="queue",
                reason="no available agent with capacity: waits in queue",
            )
        )
        try:
            return self._cases.save(waiting)
        except CaseConflict:
            return self._cases.get(case.id) or case

    # ------------------------------------------------------------------ helpers
    def _blank_case(self, message: IncomingMessage, now: datetime, queue: str) -> Case:
        return Case(
            id=case_id_for(message),
            brand_id=message.brand_id,
            customer=message.customer,
            channel=message.channel,
            status=CaseStatus.QUEUED,
            queue=queue,
            language=message.lang,
            conversation_ids=(message.conversation_id,) if message.conversation_id else (),
            message_ids=(message.id,),
            customer_texts=with_customer_text((), message.text),
            created_at=now,
            updated_at=now,
            first_message_at=message.created_at,
        )

    def _with_sla(self, case: Case, level: str, config: TriageConfig, since: datetime, why: str) -> Case:
        target = config.sla[level]
        calendar = config.queues[case.queue].business_hours
        window = target.first_response / self._scale
        due = calendar.add(since, window)
        at_risk = calendar.add(since, window * config.at_risk_fraction)
        reason = (
            f"{why}: first response within {target.first_response_minutes:g} business minutes of {case.queue}"
        )
        if self._scale != 1:
            reason += f" (SLA clock {self._scale:g}x faster)"
        case = case.with_decision(
            Decision(at=case.updated_at, kind="sla", value=due.isoformat(), reason=reason),
            first_response_due=due,
            at_risk_at=at_risk,
        )
        return clocks.start_resolution(case, config, self._scale, since)

    def _outcome(self, case: Case, threaded: bool, reason: str) -> Outcome:
        now = self._clock()
        watch = (
            not threaded
            and case.status.is_open
            and case.first_response_due is not None
            and case.first_response_at is None
        )
        at_risk = case.at_risk_at or case.first_response_due or now
        due = case.first_response_due or now
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
            at_risk_in_seconds=_seconds_until(now, at_risk),
            breach_in_seconds=_seconds_until(now, due),
        )

    def attach(self, case_id: str, message: IncomingMessage, classification: dict[str, Any]) -> Outcome:
        """Add the message to a given case's thread (a survey answer belongs to the surveyed case)."""
        return self._thread(self._get(case_id), message, classification)

    # ------------------------------------------------------------------ SLA watch
    def _get(self, case_id: str) -> Case:
        case = self._cases.get(case_id)
        if case is None:
            raise CaseNotFound(f"case {case_id} does not exist")
        return case

    def watch_first_response(self, case_id: str, task_token: str) -> bool:
        """Keep the waiting workflow's token on the case, for the first reply to send. If the first reply
        came already (or the case is no longer open), signal the workflow now. True while it waits."""
        for _ in range(_MAX_CONFLICT_RETRIES):
            case = self._get(case_id)
            if case.first_response_at is not None or not case.status.is_open:
                self._signal.first_response(
                    task_token, {"case_id": case.id, "already": True, "status": case.status.value}
                )
                return False
            if case.first_response_task_token == task_token:
                return True
            try:
                self._cases.save(case.model_copy(update={"first_response_task_token": task_token}))
                return True
            except CaseConflict:
                continue
        raise CaseConflict(f"case {case_id} kept changing while storing its SLA watch")

    def sla_at_risk(self, case_id: str) -> int:
        """Tell the assignee and supervisors; returns the seconds left until the breach."""
        for _ in range(_MAX_CONFLICT_RETRIES):
            case = self._get(case_id)
            due = case.first_response_due or self._clock()
            warned = any(d.kind == "sla_at_risk" and "@" not in d.value for d in case.decisions)
            if case.first_response_at is not None or warned:
                return _seconds_until(self._clock(), due)
            now = self._clock()
            left = _seconds_until(now, due)
            updated = case.with_decision(
                Decision(
                    at=now,
                    kind="sla_at_risk",
                    value=case.assignee or case.queue,
                    reason=f"no first response yet; the target is due in {left} s at {due.isoformat()}",
                ),
                updated_at=now,
            )
            try:
                self._cases.save(updated)
            except CaseConflict:
                continue
            self._notify(updated, "SLA at risk", f"first response due {due.isoformat()}")
            return left
        raise CaseConflict(f"case {case_id} kept changing while marking it at risk")

    def sla_breach(self, case_id: str, config: TriageConfig) -> Outcome:
        """The first-response target passed: escalate by the brand's ladder, count it, tell people."""
        for _ in range(_MAX_CONFLICT_RETRIES):
            case = self._get(case_id)
            if case.first_response_at is not None or not case.status.is_open:
                return self._outcome(case, threaded=False, reason="answered or closed before the breach")
            if any(d.kind == "sla_breach" and d.value == "first_response" for d in case.decisions):
                return self._outcome(case, threaded=False, reason="breach already escalated")
            due = (case.first_response_due or self._clock()).isoformat()
            escalated = self._escalate(case, config, "first_response", f"first response not made by {due}")
            if escalated is None:
                continue
            assigned, reason = escalated
            return self._outcome(assigned, threaded=False, reason=reason)
        raise CaseConflict(f"case {case_id} kept changing while escalating it")

    # ------------------------------------------------------------------ next-response and resolution clocks
    def sla_clock(
        self, case_id: str, clock: str, instance: str | None, config: TriageConfig
    ) -> dict[str, Any]:
        """Where the clock stands now, doing what its moment asks: tell people once when it is at risk,
        escalate once when it is breached. Returns {state: running|paused|stopped, wait_seconds,
        fingerprint}: the workflow waits that long (or until woken) and asks again."""
        for _ in range(_MAX_CONFLICT_RETRIES):
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
                what = f"{clock.replace('_', ' ')} due {state.due.isoformat()} passed"
                if self._escalate(case, config, tag, what) is not None:
                    return {"state": "stopped", "wait_seconds": 1, "fingerprint": fingerprint}
                continue
            if now >= state.at_risk and not any(
                d.kind == "sla_at_risk" and d.value == tag for d in case.decisions
            ):
                left = _seconds_until(now, state.due)
                what = clock.replace("_", " ")
                updated = case.with_decision(
                    Decision(
                        at=now,
                        kind="sla_at_risk",
                        value=tag,
                        reason=f"{what} due in {left} s at {state.due.isoformat()}",
                    ),
                    updated_at=now,
                )
                try:
                    saved = self._cases.save(updated)
                except CaseConflict:
                    continue
                self._notify(saved, "SLA at risk", f"{what} due {state.due.isoformat()}")
                case = saved
                fingerprint = clocks.fingerprint(case, clock)
            moment = state.due if now >= state.at_risk else state.at_risk
            return {
                "state": "running",
                "wait_seconds": _seconds_until(now, moment),
                "fingerprint": fingerprint,
            }
        raise CaseConflict(f"case {case_id} kept changing while its {clock} clock was checked")

    def watch_clock(self, case_id: str, clock: str, task_token: str, fingerprint: str) -> bool:
        """Keep the waiting workflow's token on the case. If the clock moved since the workflow looked
        (`fingerprint` differs), wake it now. True while it waits."""
        for _ in range(_MAX_CONFLICT_RETRIES):
            case = self._get(case_id)
            if clocks.fingerprint(case, clock) != fingerprint:
                self._signal.first_response(task_token, {"case_id": case.id, "clock": clock, "moved": True})
                return False
            if case.clock_tokens.get(clock) == task_token:
                return True
            try:
                self._cases.save(
                    case.model_copy(update={"clock_tokens": {**case.clock_tokens, clock: task_token}})
                )
                return True
            except CaseConflict:
                continue
        raise CaseConflict(f"case {case_id} kept changing while storing its {clock} watch")

    def _escalate(self, case: Case, config: TriageConfig, tag: str, what: str) -> tuple[Case, str] | None:
        """A breach: escalate by the brand's ladder (queue, priority; the agent's capacity freed), record
        it as decision sla_breach `tag`, count SlaBreaches, tell people, and give the case to those who
        work the escalation queue. (case, reason); None when the case changed meanwhile (look again)."""
        now = self._clock()
        step = config.escalation_ladder[min(case.sla_breaches, len(config.escalation_ladder) - 1)]
        level = f"P{max(1, _rank(case.priority) - step.raise_priority)}"
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
        updated, wake = clocks.settle(case, updated, now, config)
        try:
            saved = self._cases.save(updated)
        except CaseConflict:
            return None
        self._wake(wake, saved)
        self._sla_metrics.breach(case.brand_id, case.queue, case.priority)
        self._notify(saved, "SLA breached", reason)
        return self._assign(saved, capability=step.queue), reason

    def _wake(self, tokens: list[str], case: Case) -> None:
        for token in tokens:
            self._signal.first_response(
                token, {"case_id": case.id, "moved": True, "status": case.status.value}
            )

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
                "customer": case.customer.username,
                "detail": detail,
            },
        )


def choose_queue(
    lang: str | None, classification: dict[str, Any], config: TriageConfig
) -> tuple[str, str | None, str | None, str]:
    """(queue, skill, language, reason): the skill's queue, the fallback or the triage queue."""
    skill, skill_confidence = _label(classification, "skill")
    language, _ = _label(classification, "language")
    language = language or lang
    if not skill:
        return config.triage_queue, None, language, "no skill recognised: a person sorts it"
    if skill not in config.skills:
        return config.triage_queue, None, language, f"skill {skill!r} is not configured for this brand"
    if skill_confidence < config.min_confidence:
        return (
            config.triage_queue,
            skill,
            language,
            f"skill {skill} at confidence {skill_confidence:.2f}, "
            f"below the brand's {config.min_confidence:.2f}",
        )
    queue = config.skills[skill].queue
    served = config.queues[queue].languages
    if served and language and language not in served:
        fallback = config.fallback_queue
        fallback_languages = config.queues[fallback].languages
        if fallback_languages and language not in fallback_languages:
            return config.triage_queue, skill, language, f"no queue serves language {language!r}"
        return (
            fallback,
            skill,
            language,
            f"skill {skill}, but {queue} does not serve {language!r}: fallback",
        )
    return queue, skill, language, f"skill {skill} (confidence {skill_confidence:.2f}) -> queue {queue}"


def _seconds_until(now: datetime, moment: datetime) -> int:
    """Whole seconds to wait (a Step Functions timeout is a positive integer)."""
    return max(1, math.ceil((moment - now).total_seconds()))


def _rank(level: str) -> int:
    return int(level[1:]) if level[:1] == "P" and level[1:].isdigit() else 9


def _load_order(agent: Agent) -> tuple[float, datetime]:
    last = agent.last_assigned_at or datetime.min.replace(tzinfo=UTC)
    return agent.open_cases / agent.capacity, last


def _case_message(message: IncomingMessage, classification: dict[str, Any]) -> CaseMessage:
    return CaseMessage(
        id=message.id,
        direction="in",
        channel=message.channel,
        author_id=message.customer.id,
        text=message.text,
        created_at=message.created_at,
        conversation_id=message.conversation_id,
        in_reply_to_id=message.in_reply_to_id,
        engagement=message.engagement,
        classification=classification or None,
    )
