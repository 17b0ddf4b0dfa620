"""The ports delivery talks through: X (the publisher), the outbox, the brand registry, metrics."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from carebird.brands import Brand
from carebird.outbound.model import PartRecord, ReplyRecord


class XPublisher(Protocol):
    """Posts and DMs as a brand. Failures are typed: `carebird.outbound.errors` (X refused),
    `XRateLimited`, `OutcomeUnknown` (X may have acted), `TransientXError`, `XAuthError`, `XBadRequest`."""

    def post_reply(self, brand: Brand, in_reply_to_id: str, text: str) -> str:
        """Post `text` as a reply to post `in_reply_to_id`; the new post's id."""
        ...

    def send_dm(self, brand: Brand, participant_id: str, text: str) -> str:
        """Send `text` to user `participant_id` by direct message; the DM event's id."""
        ...

    def find_reply(self, brand: Brand, in_reply_to_id: str, text: str, since: datetime) -> str | None:
        """The id of the brand's post with this text replying to `in_reply_to_id`, created after
        `since`, if X has one: how a post whose creation was never confirmed is found."""
        ...

    def find_dm(self, brand: Brand, participant_id: str, text: str, since: datetime) -> str | None:
        """The id of the brand's DM with this text to `participant_id`, sent after `since`, if any."""
        ...


class PartContended(Exception):
    """Another delivery attempt holds or changed this part: the conditional write did not apply."""


class OutboxStore(Protocol):
    """Delivery records. Every state change is a conditional write on the part's current attempt id,
    so two deliveries of one reply never both call X for the same part."""

    def open_reply(self, reply: ReplyRecord) -> ReplyRecord:
        """Record the reply if new; the stored record either way (the caller compares them)."""
        ...

    def reply(self, case_id: str, reply_id: str) -> ReplyRecord | None: ...

    def unsettled(self, opened_before: datetime, limit: int = 100) -> list[ReplyRecord]:
        """Replies recorded before `opened_before` whose outcome the case has not taken (`settle`),
        oldest first: what the delivery reconciler looks at."""
        ...

    def settle(self, case_id: str, reply_id: str) -> None:
        """The case has taken the reply's outcome (sent, or failed and the agent told)."""
        ...

    def replies(self, case_id: str) -> list[ReplyRecord]:
        """The case's replies, oldest first."""
        ...

    def parts(self, case_id: str, reply_id: str) -> dict[int, PartRecord]:
        """The reply's part records by index (consistent read)."""
        ...

    def claim_part(
        self, case_id: str, reply_id: str, claim: PartRecord, expected_attempt: str | None
    ) -> None:
        """Write `claim` (status pending) if the part is unclaimed (`expected_attempt` None) or still
        holds `expected_attempt`; else raise PartContended."""
        ...

    def mark_sent(
        self, case_id: str, reply_id: str, index: int, attempt_id: str, x_id: str, at: datetime
    ) -> None:
        """Record X's id for the part claimed by `attempt_id`; PartContended if it lost the claim."""
        ...

    def mark_failed(
        self,
        case_id: str,
        reply_id: str,
        index: int,
        attempt_id: str,
        *,
        code: str,
        message: str,
        at: datetime,
        retry_at: datetime | None = None,
        may_exist: bool = False,
    ) -> None:
        """Record why the part failed; PartContended if `attempt_id` lost the claim."""
        ...

    def mark_unconfirmed(
        self, case_id: str, reply_id: str, index: int, attempt_id: str, *, message: str, at: datetime
    ) -> None:
        """Leave the part pending with its lease ended: X may have posted it and could not be asked,
        so the next delivery looks on X before posting."""
        ...


class BrandDirectory(Protocol):
    def get_brand(self, brand_id: str) -> Brand | None: ...


class MetricsSink(Protocol):
    """Powertools Metrics satisfies this."""

    def add_metric(self, name: str, unit: str, value: float) -> None: ...
