"""What case work needs from the outside world. Adapters: carebird.storage (DynamoDB), carebird.outbound
(X), carebird.adapters.aws.sla_signal (Step Functions); the unit tests' fakes implement the same protocols."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from carebird.brands import Brand
from carebird.cases.model import Agent, Case, CaseMessage
from carebird.cases.ports import AgentDirectory, CaseStore
from carebird.casework.model import CannedResponse, EarlierCase, Presence, RoutingCorrection
from carebird.outbound.model import DeliveryResult, OutgoingReply, PartRecord, ReplyRecord


class CaseRepository(CaseStore, Protocol):
    def messages(self, case_id: str) -> list[CaseMessage]:
        """The case's thread, oldest first: the customer's messages, the brand's replies, notes."""
        ...

    def queue(
        self, brand_id: str, queue: str, status: str | None = None, limit: int | None = 100
    ) -> list[Case]:
        """A queue's cases of one status (all statuses if None), soonest due first within a status."""
        ...

    def assigned_to(self, brand_id: str, agent_id: str, limit: int | None = None) -> list[Case]:
        """The open cases an agent holds."""
        ...

    def put_message(self, case_id: str, message: CaseMessage) -> None:
        """Write a message over its stored version (an outgoing message's delivery snapshot)."""
        ...

    def customer_cases(self, brand_id: str, customer_id: str, limit: int) -> list[EarlierCase]:
        """The customer's cases with the brand, newest first (csat left to SatisfactionScores)."""
        ...

    def save_claimed(self, case: Case, agent: Agent, at: datetime) -> Case:
        """`save`, and give the case to `agent` (its assignment and the agent's open count), in one
        transaction. Raises carebird.cases.ports.CaseHeld if someone holds the case, CaseConflict or
        CaseTooLarge as `save` does; on any error nothing is written."""
        ...


class AgentRoster(AgentDirectory, Protocol):
    def agent(self, brand_id: str, agent_id: str) -> Agent | None: ...

    def holder(self, case_id: str) -> str | None:
        """Who holds the case (its assignment), if anyone."""
        ...

    def take(self, agent: Agent, case_id: str, at: datetime) -> str:
        """Claim the case for `agent` unless someone holds it; returns the holder, atomically decided."""
        ...


class BrandLookup(Protocol):
    def get_brand(self, brand_id: str) -> Brand | None: ...


class ReplySender(Protocol):
    """carebird.outbound.delivery.Deliverer satisfies this."""

    def plan(self, reply: OutgoingReply) -> list[str]:
        """The posts the reply becomes; raises carebird.outbound.text.InvalidReply if it cannot be sent."""
        ...

    def deliver(self, reply: OutgoingReply) -> DeliveryResult: ...


class DeliveryRecords(Protocol):
    """The outbox, read side (carebird.outbound.ports.OutboxStore)."""

    def reply(self, case_id: str, reply_id: str) -> ReplyRecord | None: ...

    def parts(self, case_id: str, reply_id: str) -> dict[int, PartRecord]: ...

    def unsettled(self, opened_before: datetime, limit: int = 100) -> list[ReplyRecord]: ...

    def settle(self, case_id: str, reply_id: str) -> None: ...


class CorrectionLog(Protocol):
    def record(self, correction: RoutingCorrection) -> None:
        """Store the correction; recording the same id again changes nothing."""
        ...

    def corrections(self, brand_id: str, since: datetime | None = None) -> list[RoutingCorrection]:
        """The brand's corrections, oldest first."""
        ...


class XEngagement(Protocol):
    """Acting on X as the brand without posting: a like (acknowledging praise), a follow (so that a
    customer who asked can DM the brand). carebird.adapters.x.publisher.TweepyPublisher implements it;
    failures are carebird.ports.x' and carebird.outbound.errors' typed errors."""

    def like(self, brand: Brand, post_id: str) -> None: ...

    def follow(self, brand: Brand, user_id: str) -> bool:
        """True when the brand now follows the user; False when the follow waits for their approval."""
        ...


class CannedResponseStore(Protocol):
    def canned_responses(self, brand_id: str) -> list[CannedResponse]: ...

    def canned_response(self, brand_id: str, response_id: str) -> CannedResponse | None: ...

    def put_canned_response(self, response: CannedResponse) -> None: ...

    def delete_canned_response(self, brand_id: str, response_id: str) -> bool:
        """False if there was none."""
        ...


class PresenceBoard(Protocol):
    """Who has a case open right now: one short-lived mark per agent and case."""

    def mark(self, case_id: str, presence: Presence) -> None:
        """Record (or refresh) the agent's mark on the case until `presence.until`."""
        ...

    def present(self, case_id: str) -> list[Presence]:
        """The case's marks, expired ones possibly included (the caller checks `until`)."""
        ...


class SatisfactionScores(Protocol):
    def csat(self, case_id: str) -> int | None:
        """The customer's answer to the case's satisfaction survey, if any."""
        ...


class MetricsSink(Protocol):
    def add_metric(self, name: str, unit: str, value: float) -> None: ...


class ResolutionListener(Protocol):
    def case_resolved(self, case: Case, at: datetime) -> None:
        """A case was resolved: follow-up schedules its satisfaction survey (once per case)."""
        ...
