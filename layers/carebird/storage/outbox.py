"""The outbox in DynamoDB: each reply's plan and each part's delivery record.

Implements `carebird.outbound.ports.OutboxStore`. Keys (see also `carebird.storage`):

    entity        pk                            sk            gsi1pk / gsi1sk
    reply header  OUTBOX#<case_id>#<reply_id>   REPLY         OUTBOX#<case_id> / <created ISO>#<reply_id>
                  (until settled) gsi2pk OUTBOX#UNSETTLED, gsi2sk <created ISO>#<case_id>#<reply_id>
    part          OUTBOX#<case_id>#<reply_id>   PART#<nnn>    -   (nnn: 1-based index, 3 digits)

A reply and its parts share a partition, so one consistent Query reads a delivery's whole state. Every
part write is conditional on the attempt id it read (`attribute_not_exists(pk)` for a part never
claimed): a compare-and-swap, so two deliveries of one reply never both hold a part. A claim also never
replaces a part already sent. TTL: records expire `retention` after the reply was first recorded.

A reply carries the sparse gsi2 keys from the moment it is recorded until the case has taken its outcome
(`settle`): the delivery reconciler reads what is still unsettled, oldest first, from that index.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from carebird.outbound.model import Channel, PartRecord, PartStatus, ReplyRecord
from carebird.outbound.ports import PartContended
from carebird.storage.table import Gsi1, Gsi2, TableItem, bind, is_condition_failure, whole

DEFAULT_RETENTION = timedelta(days=90)
HEADER_SK = "REPLY"
PART_PREFIX = "PART#"
UNSETTLED = "OUTBOX#UNSETTLED"


def outbox_pk(case_id: str, reply_id: str) -> str:
    return f"OUTBOX#{case_id}#{reply_id}"


def part_sk(index: int) -> str:
    return f"{PART_PREFIX}{index:03d}"


class ReplyItem(TableItem):
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    by_gsi1 = Gsi1()
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    unsettled_index = Gsi2()
    case_id = UnicodeAttribute()
    reply_id = UnicodeAttribute()
    brand_id = UnicodeAttribute()
    channel = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    in_reply_to_tweet_id = UnicodeAttribute(null=True)
    text_sha256 = UnicodeAttribute()
    parts = ListAttribute(of=UnicodeAttribute)
    created_at = UTCDateTimeAttribute()
    expires_at = NumberAttribute()


class PartItem(TableItem):
    index = NumberAttribute()
    text = UnicodeAttribute()
    status = UnicodeAttribute()
    attempt_id = UnicodeAttribute()
    attempts = NumberAttribute()
    lease_until = UTCDateTimeAttribute()
    first_attempt_at = UTCDateTimeAttribute()
    in_reply_to = UnicodeAttribute()
    x_id = UnicodeAttribute(null=True)
    error_code = UnicodeAttribute(null=True)
    error_message = UnicodeAttribute(null=True)
    retry_at = UTCDateTimeAttribute(null=True)
    may_exist = BooleanAttribute(default=False)
    updated_at = UTCDateTimeAttribute(null=True)
    expires_at = NumberAttribute()


class DynamoOutboxStore:
    def __init__(
        self,
        table_name: str,
        *,
        host: str | None = None,
        region: str | None = None,
        retention: timedelta = DEFAULT_RETENTION,
    ) -> None:
        self._reply = bind(ReplyItem, table_name, host=host, region=region)
        self._part = bind(PartItem, table_name, host=host, region=region)
        self._retention = retention

    def _expires(self, since: datetime) -> int:
        return int((since + self._retention).timestamp())

    def open_reply(self, reply: ReplyRecord) -> ReplyRecord:
        item = self._reply(
            outbox_pk(reply.case_id, reply.reply_id),
            HEADER_SK,
            gsi1pk=f"OUTBOX#{reply.case_id}",
            gsi1sk=f"{reply.created_at.astimezone(UTC).isoformat()}#{reply.reply_id}",
            gsi2pk=UNSETTLED,
            gsi2sk=f"{reply.created_at.astimezone(UTC).isoformat()}#{reply.case_id}#{reply.reply_id}",
            case_id=reply.case_id,
            reply_id=reply.reply_id,
            brand_id=reply.brand_id,
            channel=reply.channel.value,
            customer_id=reply.customer_id,
            in_reply_to_tweet_id=reply.in_reply_to_tweet_id,
            text_sha256=reply.text_sha256,
            parts=list(reply.parts),
            created_at=reply.created_at,
            expires_at=self._expires(reply.created_at),
        )
        try:
            item.save(condition=self._reply.pk.does_not_exist())
        except PutError as exc:
            if not is_condition_failure(exc):
                raise
            return _to_reply(self._reply.get(item.pk, HEADER_SK, consistent_read=True))
        return reply

    def replies(self, case_id: str) -> list[ReplyRecord]:
        """The case's replies, oldest first."""
        return [
            _to_reply(i)
            for i in whole(self._reply, self._reply.query(f"OUTBOX#{case_id}", index_name="gsi1"))
        ]

    def unsettled(self, opened_before: datetime, limit: int = 100) -> list[ReplyRecord]:
        """Replies recorded before `opened_before` whose outcome the case has not taken, oldest first."""
        condition = self._reply.gsi2sk < opened_before.astimezone(UTC).isoformat()
        items = whole(self._reply, self._reply.unsettled_index.query(UNSETTLED, condition, limit=limit))
        return [_to_reply(i) for i in items]

    def settle(self, case_id: str, reply_id: str) -> None:
        """The case has the reply's outcome: the reconciler need not look at it again."""
        item = self._reply(outbox_pk(case_id, reply_id), HEADER_SK)
        try:
            item.update(
                actions=[self._reply.gsi2pk.remove(), self._reply.gsi2sk.remove()],
                condition=self._reply.pk.exists(),
            )
        except UpdateError as exc:
            if not is_condition_failure(exc):
                raise

    def reply(self, case_id: str, reply_id: str) -> ReplyRecord | None:
        try:
            return _to_reply(self._reply.get(outbox_pk(case_id, reply_id), HEADER_SK, consistent_read=True))
        except DoesNotExist:
            return None

    def parts(self, case_id: str, reply_id: str) -> dict[int, PartRecord]:
        items = self._part.query(
            outbox_pk(case_id, reply_id), self._part.sk.startswith(PART_PREFIX), consistent_read=True
        )
        return {int(i.index): _to_part(i) for i in items}

    def claim_part(
        self, case_id: str, reply_id: str, claim: PartRecord, expected_attempt: str | None
    ) -> None:
        p = self._part
        item = p(
            outbox_pk(case_id, reply_id),
            part_sk(claim.index),
            index=claim.index,
            text=claim.text,
            status=PartStatus.PENDING.value,
            attempt_id=claim.attempt_id,
            attempts=claim.attempts,
            lease_until=claim.lease_until,
            first_attempt_at=claim.first_attempt_at,
            in_reply_to=claim.in_reply_to,
            x_id=None,
            error_code=None,
            error_message=None,
            retry_at=None,
            may_exist=claim.may_exist,
            updated_at=claim.updated_at,
            expires_at=self._expires(claim.first_attempt_at),
        )
        if expected_attempt is None:
            condition = p.pk.does_not_exist()
        else:
            condition = (p.attempt_id == expected_attempt) & (p.status != PartStatus.SENT.value)
        try:
            item.save(condition=condition)
        except PutError as exc:
            if is_condition_failure(exc):
                raise PartContended(f"{item.pk} {item.sk}") from None
            raise

    def _update(self, case_id: str, reply_id: str, index: int, attempt_id: str, actions: list[Any]) -> None:
        item = self._part(outbox_pk(case_id, reply_id), part_sk(index))
        try:
            item.update(actions=actions, condition=self._part.attempt_id == attempt_id)
        except UpdateError as exc:
            if is_condition_failure(exc):
                raise PartContended(f"{item.pk} {item.sk}") from None
            raise

    def mark_sent(
        self, case_id: str, reply_id: str, index: int, attempt_id: str, x_id: str, at: datetime
    ) -> None:
        p = self._part
        self._update(
            case_id,
            reply_id,
            index,
            attempt_id,
            [
                p.status.set(PartStatus.SENT.value),
                p.x_id.set(x_id),
                p.updated_at.set(at),
                p.error_code.remove(),
                p.error_message.remove(),
                p.retry_at.remove(),
            ],
        )

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
        p = self._part
        self._update(
            case_id,
            reply_id,
            index,
            attempt_id,
            [
                p.status.set(PartStatus.FAILED.value),
                p.error_code.set(code),
                p.error_message.set(message),
                p.retry_at.set(retry_at) if retry_at is not None else p.retry_at.remove(),
                p.may_exist.set(may_exist),
                p.updated_at.set(at),
            ],
        )

    def mark_unconfirmed(
        self, case_id: str, reply_id: str, index: int, attempt_id: str, *, message: str, at: datetime
    ) -> None:
        p = self._part
        self._update(
            case_id,
            reply_id,
            index,
            attempt_id,
            [
                p.lease_until.set(at),  # the lease ends now: the next delivery may look on X at once
                p.error_code.set("unconfirmed"),
                p.error_message.set(message),
                p.may_exist.set(True),
                p.updated_at.set(at),
            ],
        )


def _to_reply(item: ReplyItem) -> ReplyRecord:
    return ReplyRecord(
        case_id=item.case_id,
        reply_id=item.reply_id,
        brand_id=item.brand_id,
        channel=Channel(item.channel),
        customer_id=item.customer_id,
        in_reply_to_tweet_id=item.in_reply_to_tweet_id,
        text_sha256=item.text_sha256,
        parts=tuple(str(p) for p in item.parts),
        created_at=item.created_at,
    )


def _to_part(item: PartItem) -> PartRecord:
    return PartRecord(
        index=int(item.index),
        text=item.text,
        status=PartStatus(item.status),
        attempt_id=item.attempt_id,
        attempts=int(item.attempts),
        lease_until=item.lease_until,
        first_attempt_at=item.first_attempt_at,
        in_reply_to=item.in_reply_to,
        x_id=item.x_id,
        error_code=item.error_code,
        error_message=item.error_message,
        retry_at=item.retry_at,
        may_exist=bool(item.may_exist),
        updated_at=item.updated_at,
    )
