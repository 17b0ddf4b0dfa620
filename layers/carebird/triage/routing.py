"""Routing: thread each customer message into its case, close noise, or route a new case to the right skill.

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
4. Agent (carebird.triage.assignment). Among available agents with the skill and the language, the
   least loaded (open cases over capacity, then whoever was assigned longest ago) who still has
   capacity; otherwise the case waits in its queue.
5. SLA. The first-response deadline is the brand's target for the priority, counted in the queue's
   business hours from the moment the customer wrote; the resolution clock starts with it, and a
   customer's message after the brand answered starts a next-response clock (carebird.sla.clocks).
   What happens when a clock is at risk or breached is the SLA watch's (carebird.sla.watch).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from carebird.brands.desk import TriageConfig
from carebird.cases.model import (
    Case,
    CaseMessage,
    CaseStatus,
    Channel,
    Decision,
    IncomingMessage,
    Outcome,
    priority_rank,
    with_customer_text,
)
from carebird.cases.ports import CaseConflict, CaseNotFound, CaseStore, ConversationClaimed
from carebird.sla import clocks
from carebird.sla.ports import CaseAssignment, SlaSignals
from carebird.sla.wakes import after_save
from carebird.sla.watch import MAX_CONFLICT_RETRIES, outcome
from carebird.triage.lanes import noise_lane
from carebird.triage.ports import PriorityPolicy

Clock = Callable[[], datetime]


def case_id_for(message: IncomingMessage) -> str:
    return f"{message.brand_id}-{'d' if message.channel is Channel.DM else 't'}{message.id}"


def _label(classification: dict[str, Any], key: str) -> tuple[Any, float]:
    """(value, confidence) of one classifier signal: {label|value, confidence}, or a bare value."""
    signal = classification.get(key)
    if isinstance(signal, dict):
        value = signal.get("label", signal.get("value"))
        return value, float(signal.get("confidence", 1.0))
    return signal, 1.0


class Router:
    """Routes one customer message at a time (the workflow's triage, close_noise and needs_human steps)."""

    def __init__(
        self,
        cases: CaseStore,
        priority: PriorityPolicy,
        assignment: CaseAssignment,
        signals: SlaSignals,
        clock: Clock = lambda: datetime.now(UTC),
        *,
        sla_clock_scale: float = 1.0,
    ) -> None:
        if sla_clock_scale <= 0:
            raise ValueError("sla_clock_scale must be positive")
        self._cases = cases
        self._priority = priority
        self._assignment = assignment
        # Opening a case sets its clocks' alarms; threading a message can move them (carebird.sla.wakes).
        self._signals = signals
        self._clock = clock
        # >1 compresses every SLA target (tests, demos): due dates, waits and verdicts stay consistent.
        self._scale = sla_clock_scale

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
        for attempt in range(MAX_CONFLICT_RETRIES):
            if message.id in case.message_ids:
                if attempt == 0:  # a retried step: its save may have been stored and an alarm not set
                    after_save(self._signals, self._cases, None, case)
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
            if priority_rank(level) < priority_rank(case.priority):  # a case only moves up on new messages
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
            updated, tokens = clocks.settle(case, updated, now, config)
            try:
                saved = self._cases.save(updated)
                after_save(self._signals, self._cases, case, saved, tokens)
                case = saved
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
            # This message started the next-response clock (its alarm was set with the save).
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
        # The new case's clocks get their alarms (set again, the same, by a repeated triage of its message).
        after_save(self._signals, self._cases, None, stored)
        if stored.status is CaseStatus.QUEUED and stored.assignee is None:
            stored = self._assignment.assign(stored)
        return self._outcome(
            stored, threaded=False, reason=stored.decisions[-1].reason if stored.decisions else ""
        )

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
        return outcome(case, self._clock(), threaded=threaded, reason=reason)

    def attach(self, case_id: str, message: IncomingMessage, classification: dict[str, Any]) -> Outcome:
        """Add the message to a given case's thread (a survey answer belongs to the surveyed case)."""
        case = self._cases.get(case_id)
        if case is None:
            raise CaseNotFound(f"case {case_id} does not exist")
        return self._thread(case, message, classification)


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
