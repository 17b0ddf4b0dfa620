"""Delivering an agent's reply to X: exactly once, whole, in order, in the right thread.

`Deliverer.deliver(reply)` splits the text (`carebird.outbound.text`), records the plan in the outbox, then
sends the parts in order: the first under the customer's post, each next part under the previous one, so
the thread reads in order below the customer. Calling it again for the same reply (a Lambda retry, the
agent's retry with the same Idempotency-Key, a crash halfway) resumes at the first part not on X and never
posts a part twice:

1. Before calling X, a delivery *claims* the part: a conditional write (status pending, a fresh attempt id,
   a lease) that succeeds only if the part is unclaimed, failed, or pending with its lease ended, as last
   read. Two deliveries of one reply cannot both hold a part, and a delivery only calls X while its lease
   has time for the whole call, so an expired lease means its holder has stopped.
2. After X answers, the part is marked sent with X's id (or failed with X's reason), conditional on the
   attempt id.
3. The window between X accepting a post and the "sent" write (a crash, a timeout, a 5xx or a dropped
   connection after X acted) is closed on the next attempt: a part left pending by a dead delivery, or
   marked as possibly posted, is first *looked up* on X (the brand's own timeline for a reply to the same
   post with the same text since the first attempt; the DM conversation for a DM). Found: it is marked
   sent with that id and not posted again. And if a post goes out anyway, X's duplicate-content refusal
   (same text from the brand, recently) triggers the same lookup, so a timeline that lags cannot cause a
   second post either.

Transient failures are retried inside one delivery with bounded backoff (3 attempts by default), a rate
limit that resets within a few seconds is waited out, and anything else fails the part at once with a
reason an agent understands; the parts after a failed one are not sent. The result lists every part.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from carebird.brands import Brand
from carebird.metric_names import MetricName
from carebird.moments import readable
from carebird.observability import logger
from carebird.outbound.errors import (
    DmNotAllowed,
    DuplicateContent,
    OutcomeUnknown,
    PostTooLong,
    ReplyConflict,
    ReplyNotAllowed,
    ReplyTargetGone,
    UnknownBrand,
    XRefused,
)
from carebird.outbound.model import (
    Channel,
    DeliveryResult,
    DeliveryStatus,
    OutgoingReply,
    PartOutcome,
    PartOutcomeStatus,
    PartRecord,
    PartStatus,
    ReplyRecord,
)
from carebird.outbound.ports import BrandDirectory, MetricsSink, OutboxStore, PartContended, XPublisher
from carebird.outbound.text import split_dm, split_thread
from carebird.ports.x import TransientXError, XAuthError, XError, XRateLimited

COUNT = "Count"
# After a lost answer, X's duplicate refusal most likely means our own post, not yet on the timeline:
# deliveries wait for it to show this many times before calling the text a real duplicate.
DUPLICATE_PATIENCE = 4


@dataclass(frozen=True)
class DeliveryTuning:
    max_attempts: int = 3  # calls to X per part within one delivery
    backoff_seconds: float = 0.5  # before the 2nd attempt; doubled before each next one
    max_rate_limit_wait_seconds: float = 5.0  # a 429 resetting sooner is waited out, a later one fails
    lease_seconds: float = 120.0  # how long a claim keeps other deliveries off a part
    # The longest one call to X (or a lookup) may take: requests time out at 10 s to connect + 10 s to
    # read. A delivery never starts a call its lease would not outlast.
    call_budget_seconds: float = 25.0
    lookup_margin: timedelta = timedelta(minutes=5)  # clock skew between this function and X

    def __post_init__(self) -> None:
        if self.lease_seconds < 2 * self.call_budget_seconds:
            raise ValueError("lease_seconds must leave room for a lookup and a post")


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Deliverer:
    def __init__(
        self,
        store: OutboxStore,
        publisher: XPublisher,
        brands: BrandDirectory,
        metrics: MetricsSink,
        *,
        clock: Callable[[], datetime] = _utc_now,
        sleep: Callable[[float], None] = time.sleep,
        tuning: DeliveryTuning | None = None,
        new_attempt_id: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        self.store = store
        self.publisher = publisher
        self.brands = brands
        self.metrics = metrics
        self.clock = clock
        self.sleep = sleep
        self.tuning = tuning or DeliveryTuning()
        self.new_attempt_id = new_attempt_id

    @staticmethod
    def plan(reply: OutgoingReply) -> list[str]:
        """The posts (or the DM) the reply becomes; EmptyReply or ReplyTooLong if it cannot be sent."""
        return split_thread(reply.text) if reply.channel is Channel.PUBLIC else split_dm(reply.text)

    def deliver(self, reply: OutgoingReply) -> DeliveryResult:
        """Send what is not yet on X of `reply`. Raises InvalidReply (nothing sendable), UnknownBrand and
        ReplyConflict (the reply id names another reply); X's failures are in the result, never raised."""
        brand = self.brands.get_brand(reply.brand_id)
        if brand is None:
            raise UnknownBrand(f"no brand with X user id {reply.brand_id}")
        asked = ReplyRecord(
            case_id=reply.case_id,
            reply_id=reply.reply_id,
            brand_id=reply.brand_id,
            channel=reply.channel,
            customer_id=reply.customer_id,
            in_reply_to_tweet_id=reply.in_reply_to_tweet_id,
            text_sha256=reply.text_sha256,
            parts=tuple(self.plan(reply)),
            created_at=self.clock(),
        )
        stored = self.store.open_reply(asked)
        if not stored.same_request(asked):
            raise ReplyConflict(
                f"reply {reply.reply_id} of case {reply.case_id} was already sent with other content; "
                "a new reply needs a new id"
            )
        records = self.store.parts(reply.case_id, reply.reply_id)
        parent = reply.in_reply_to_tweet_id if reply.channel is Channel.PUBLIC else reply.customer_id
        assert parent is not None  # OutgoingReply requires the customer's post for public replies
        outcomes: list[PartOutcome] = []
        sent_now = False
        for index, text in enumerate(stored.parts, 1):
            if outcomes and outcomes[-1].status is not PartOutcomeStatus.SENT:
                outcomes.append(PartOutcome(index, text, PartOutcomeStatus.NOT_SENT))
                continue
            part = _Part(self, brand, reply, len(stored.parts), index, text, parent)
            outcome = part.deliver(records.get(index))
            outcomes.append(outcome)
            sent_now = sent_now or part.sent_now
            if outcome.x_id is not None and reply.channel is Channel.PUBLIC:
                parent = outcome.x_id  # the next part threads under this one
        result = DeliveryResult(reply.case_id, reply.reply_id, reply.channel, outcomes)
        if sent_now and result.status is DeliveryStatus.DELIVERED:
            self.metrics.add_metric(MetricName.REPLIES_SENT, COUNT, 1)
        logger.info(
            "reply delivery",
            extra={
                "case_id": reply.case_id,
                "reply_id": reply.reply_id,
                "status": result.status.value,
                "x_ids": result.x_ids,
                "error_code": result.error_code,
            },
        )
        return result


class _Part:
    """One part of one delivery: claim it, send it (or find it on X), record the outcome."""

    def __init__(
        self,
        deliverer: Deliverer,
        brand: Brand,
        reply: OutgoingReply,
        total: int,
        index: int,
        text: str,
        parent: str,
    ) -> None:
        self.d = deliverer
        self.brand = brand
        self.reply = reply
        self.total = total
        self.index = index
        self.text = text
        self.parent = parent
        self.sent_now = False
        self.claim: PartRecord | None = None

    @property
    def name(self) -> str:
        return f"part {self.index} of {self.total}" if self.total > 1 else "the reply"

    def deliver(self, record: PartRecord | None) -> PartOutcome:
        now = self.d.clock()
        if record is not None and record.status is PartStatus.SENT:
            return PartOutcome(self.index, record.text, PartOutcomeStatus.SENT, x_id=record.x_id)
        if record is not None and record.status is PartStatus.PENDING and record.lease_until > now:
            return self._pending(
                f"Another delivery of this reply is sending {self.name}; deliver again after "
                f"{readable(record.lease_until)}.",
                "in_progress",
                record.lease_until,
            )
        failed_until = record.retry_at if record is not None and record.status is PartStatus.FAILED else None
        if record is not None and failed_until is not None and failed_until > now:
            # X said when it would take it again; calling before then only spends the limit.
            return PartOutcome(
                self.index,
                record.text,
                PartOutcomeStatus.FAILED,
                error_code=record.error_code,
                error=record.error_message,
                retry_at=failed_until,
            )
        # Pending with its lease ended: its delivery stopped somewhere between claiming and recording,
        # maybe after X posted. Failed after an unanswered call: the same doubt.
        may_exist = record is not None and (record.status is PartStatus.PENDING or record.may_exist)
        claim = PartRecord(
            index=self.index,
            text=self.text,
            status=PartStatus.PENDING,
            attempt_id=self.d.new_attempt_id(),
            attempts=(record.attempts if record else 0) + 1,
            lease_until=now + timedelta(seconds=self.d.tuning.lease_seconds),
            first_attempt_at=record.first_attempt_at if record else now,
            in_reply_to=self.parent,
            may_exist=may_exist,
            updated_at=now,
        )
        try:
            self.d.store.claim_part(
                self.reply.case_id, self.reply.reply_id, claim, record.attempt_id if record else None
            )
        except PartContended:
            return self._pending(
                f"Another delivery of this reply just took {self.name}; deliver again shortly.", "in_progress"
            )
        self.claim = claim
        return self._send(may_exist)

    def _send(self, doubt: bool) -> PartOutcome:
        """Post the part. `doubt`: X may already have it (an earlier answer was lost), so look first."""
        tuning = self.d.tuning
        last: XError | None = None
        look = doubt  # a lookup is due before the next post
        for attempt in range(1, tuning.max_attempts + 1):
            if not self._has_time(calls=2 if look else 1):
                return self._unconfirmed("its time to call X ran out") if doubt else self._unavailable(last)
            if look:
                if (settled := self._look()) is not None:
                    return settled
                look = False
            try:
                x_id = self._call_x()
            except DuplicateContent as exc:
                # Ours, if an earlier answer was lost; else the brand really said this recently.
                if (settled := self._look()) is not None:
                    return settled
                assert self.claim is not None
                if doubt and self.claim.attempts < DUPLICATE_PATIENCE:
                    return self._unconfirmed("X says it has this text already, and does not show it yet")
                return self._failed(exc.code, self._explain(exc))
            except XRefused as exc:
                return self._failed(exc.code, self._explain(exc))
            except XRateLimited as exc:
                # X gives the reset in whole seconds: wait one more, or the window may still be closed.
                wait = (exc.reset_at - self.d.clock()).total_seconds() + 1
                if attempt < tuning.max_attempts and wait <= tuning.max_rate_limit_wait_seconds:
                    self.d.sleep(max(wait, 0.0))
                    continue
                return self._failed(
                    "rate_limited",
                    f"X's limit on posts by @{self.brand.handle} is used up until "
                    f"{readable(exc.reset_at)}: {self.name} was not sent. Deliver again after that.",
                    retry_at=exc.reset_at,
                    may_exist=doubt,
                )
            except OutcomeUnknown as exc:
                doubt = look = True
                last = exc
            except TransientXError as exc:
                last = exc
            except XAuthError as exc:
                return self._failed(
                    "x_auth",
                    f"X refused the credentials of @{self.brand.handle} ({exc}); an administrator must fix "
                    "the brand's X credentials.",
                    may_exist=doubt,
                )
            except XError as exc:  # XBadRequest: the request itself is wrong
                return self._failed("bad_request", f"X rejected {self.name}: {exc}", may_exist=doubt)
            else:
                return self._sent(x_id)
            if attempt < tuning.max_attempts:
                self.d.sleep(tuning.backoff_seconds * 2 ** (attempt - 1))
        if look and self._has_time(calls=1) and (settled := self._look()) is not None:
            return settled
        return self._unavailable(last, may_exist=doubt)

    def _look(self) -> PartOutcome | None:
        """Sent, if X has the part already; pending, if X could not be asked; None if it is not there."""
        found = self._find()
        if isinstance(found, str):
            return self._sent(found, recovered=True)
        return found

    # X ----------------------------------------------------------------------------------------------

    def _call_x(self) -> str:
        if self.reply.channel is Channel.PUBLIC:
            return self.d.publisher.post_reply(self.brand, self.parent, self.text)
        return self.d.publisher.send_dm(self.brand, self.parent, self.text)

    def _find(self) -> str | PartOutcome | None:
        """X's id for this part if it is already there; a pending outcome if X could not be asked."""
        assert self.claim is not None
        since = self.claim.first_attempt_at - self.d.tuning.lookup_margin
        try:
            if self.reply.channel is Channel.PUBLIC:
                return self.d.publisher.find_reply(self.brand, self.parent, self.text, since)
            return self.d.publisher.find_dm(self.brand, self.parent, self.text, since)
        except XError as exc:
            return self._unconfirmed(f"X could not be asked whether it was posted ({exc})")

    def _has_time(self, calls: int) -> bool:
        assert self.claim is not None
        left = (self.claim.lease_until - self.d.clock()).total_seconds()
        return left > calls * self.d.tuning.call_budget_seconds

    # Outcomes ---------------------------------------------------------------------------------------

    def _sent(self, x_id: str, *, recovered: bool = False) -> PartOutcome:
        assert self.claim is not None
        try:
            at = self.d.clock()
            self.d.store.mark_sent(
                self.reply.case_id, self.reply.reply_id, self.index, self.claim.attempt_id, x_id, at
            )
        except PartContended:
            # Cannot happen while calls stay within the lease; if it does, say so loudly.
            logger.error(
                "reply part on X but its claim was lost",
                extra={"case_id": self.reply.case_id, "reply_id": self.reply.reply_id, "x_id": x_id},
            )
        else:
            self.sent_now = True
            self.d.metrics.add_metric(MetricName.REPLY_PARTS, COUNT, 1)
        if recovered:
            logger.info(
                "reply part found on X after an unconfirmed attempt: not posted again",
                extra={"case_id": self.reply.case_id, "reply_id": self.reply.reply_id, "x_id": x_id},
            )
        return PartOutcome(self.index, self.text, PartOutcomeStatus.SENT, x_id=x_id)

    def _failed(
        self, code: str, message: str, *, retry_at: datetime | None = None, may_exist: bool = False
    ) -> PartOutcome:
        assert self.claim is not None
        try:
            self.d.store.mark_failed(
                self.reply.case_id,
                self.reply.reply_id,
                self.index,
                self.claim.attempt_id,
                code=code,
                message=message,
                at=self.d.clock(),
                retry_at=retry_at,
                may_exist=may_exist,
            )
        except PartContended:
            return self._pending(f"Another delivery took over {self.name}; deliver again shortly.", code)
        self.d.metrics.add_metric(MetricName.REPLY_FAILURES, COUNT, 1)
        logger.warning(
            "reply part failed",
            extra={"case_id": self.reply.case_id, "reply_id": self.reply.reply_id, "code": code},
        )
        return PartOutcome(
            self.index, self.text, PartOutcomeStatus.FAILED, error_code=code, error=message, retry_at=retry_at
        )

    def _unavailable(self, last: XError | None, *, may_exist: bool = False) -> PartOutcome:
        doubt = (
            " X may have posted it without saying so; delivering again checks X before posting."
            if may_exist
            else " Nothing was posted; deliver again to retry."
        )
        return self._failed(
            "x_unavailable",
            f"X did not accept {self.name} ({last}).{doubt}",
            may_exist=may_exist,
        )

    def _unconfirmed(self, why: str) -> PartOutcome:
        assert self.claim is not None
        message = f"Not confirmed whether {self.name} is on X: {why}. Deliver again; it will not post twice."
        with contextlib.suppress(PartContended):  # whoever holds it now will look on X in turn
            self.d.store.mark_unconfirmed(
                self.reply.case_id,
                self.reply.reply_id,
                self.index,
                self.claim.attempt_id,
                message=message,
                at=self.d.clock(),
            )
        return self._pending(message, "unconfirmed")

    def _pending(self, message: str, code: str, retry_at: datetime | None = None) -> PartOutcome:
        status = PartOutcomeStatus.PENDING
        return PartOutcome(self.index, self.text, status, error_code=code, error=message, retry_at=retry_at)

    def _explain(self, exc: XRefused) -> str:
        brand = f"@{self.brand.handle}"
        customer = f"@{self.reply.customer_handle}" if self.reply.customer_handle else "the customer"
        if isinstance(exc, ReplyNotAllowed):
            return (
                f"X does not let {brand} reply to this post: an app may reply only to posts whose author "
                f"mentioned or quoted {brand}, and {customer} did not. Nothing was posted. Reply by direct "
                f"message instead, or wait for {customer} to mention {brand}."
            )
        if isinstance(exc, ReplyTargetGone):
            return (
                f"The post to reply under was deleted or is no longer visible to {brand}; "
                f"{self.name} was not posted."
            )
        if isinstance(exc, DmNotAllowed):
            return (
                f"{customer} does not accept direct messages from {brand}. Nothing was sent. Reply "
                f"publicly instead, or ask {customer} to send {brand} a direct message first."
            )
        if isinstance(exc, DuplicateContent):
            return (
                f"X refused {self.name} as a duplicate: {brand} posted the same text recently. Reword the "
                "reply and send it as a new reply."
            )
        if isinstance(exc, PostTooLong):
            return f"X counted {self.name} as longer than it allows ({exc}). Shorten the reply."
        return f"X refused {self.name}: {exc}"
