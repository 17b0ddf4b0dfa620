"""The outbox's contract, run on the unit tests' fake and on the DynamoDB adapter under moto (in-process),
so the fake the delivery tests rely on behaves as the real store does, conditional writes included."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from carebird.outbound.delivery import Deliverer
from carebird.outbound.model import (
    Channel,
    DeliveryStatus,
    OutgoingReply,
    PartRecord,
    PartStatus,
    ReplyRecord,
)
from carebird.outbound.ports import PartContended
from carebird.storage.outbox import DynamoOutboxStore, outbox_pk, part_sk
from tests.support.carebird_table import create_carebird_table
from tests.support.ingest_fakes import Crash, CrashPlan, FakeClock, FakeMetrics
from tests.support.outbound_fakes import BRAND, CUSTOMER_ID, FakeBrands, FakeOutbox, FakeX

T = datetime(2026, 3, 2, 9, 0, 0, 123000, tzinfo=UTC)
TABLE = "carebird-test-outbox"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    for name, value in {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_carebird_table(client, TABLE)
        yield client


@pytest.fixture(params=["fake", "moto"])
def store(request: pytest.FixtureRequest) -> Any:
    if request.param == "fake":
        return FakeOutbox()
    request.getfixturevalue("aws")
    return DynamoOutboxStore(TABLE)


def header(reply_id: str = "r1", text_sha: str = "abc", created: datetime = T) -> ReplyRecord:
    return ReplyRecord(
        case_id="c1",
        reply_id=reply_id,
        brand_id="1000",
        channel=Channel.PUBLIC,
        customer_id="2000",
        in_reply_to_tweet_id="1790000000000000010",
        text_sha256=text_sha,
        parts=("first 1/2", "second 2/2"),
        created_at=created,
    )


def claim(attempt: str, index: int = 1, **changes: Any) -> PartRecord:
    record = PartRecord(
        index=index,
        text=f"part {index}",
        status=PartStatus.PENDING,
        attempt_id=attempt,
        attempts=1,
        lease_until=T + timedelta(minutes=2),
        first_attempt_at=T,
        in_reply_to="1790000000000000010",
        updated_at=T,
    )
    return replace(record, **changes)


def test_a_reply_is_recorded_once_and_its_first_record_wins(store: Any) -> None:
    first = header()
    assert store.open_reply(first) == first
    assert store.open_reply(header(text_sha="other", created=T + timedelta(hours=1))) == first
    assert store.reply("c1", "r1") == first and store.reply("c1", "nope") is None


def test_replies_stay_unsettled_oldest_first_until_the_case_takes_them(store: Any) -> None:
    store.open_reply(header("r2", created=T + timedelta(minutes=5)))
    store.open_reply(header("r1"))
    store.open_reply(replace(header("r9"), case_id="c2", created_at=T + timedelta(minutes=1)))
    later = T + timedelta(minutes=10)
    assert [r.reply_id for r in store.unsettled(later)] == ["r1", "r9", "r2"]
    assert [r.reply_id for r in store.unsettled(T + timedelta(minutes=2))] == ["r1", "r9"]
    store.settle("c1", "r1")
    store.settle("c1", "never-recorded")  # nothing to settle: no error, nothing created
    assert [r.reply_id for r in store.unsettled(later)] == ["r9", "r2"]
    assert store.reply("c1", "r1") is not None and store.reply("c1", "never-recorded") is None


def test_a_cases_replies_come_oldest_first(store: Any) -> None:
    store.open_reply(header("r2", created=T + timedelta(minutes=5)))
    store.open_reply(header("r1"))
    store.open_reply(replace(header("r9"), case_id="c2"))
    assert [r.reply_id for r in store.replies("c1")] == ["r1", "r2"]


def test_a_part_is_claimed_once(store: Any) -> None:
    store.claim_part("c1", "r1", claim("a1"), None)
    with pytest.raises(PartContended):
        store.claim_part("c1", "r1", claim("a2"), None)
    assert store.parts("c1", "r1") == {1: claim("a1")}


def test_a_claim_takes_over_only_the_attempt_it_read(store: Any) -> None:
    store.claim_part("c1", "r1", claim("a1"), None)
    with pytest.raises(PartContended):
        store.claim_part("c1", "r1", claim("a3", attempts=2), "a2")
    store.claim_part("c1", "r1", claim("a2", attempts=2, may_exist=True), "a1")
    (part,) = store.parts("c1", "r1").values()
    assert (part.attempt_id, part.attempts, part.may_exist) == ("a2", 2, True)


def test_sent_is_recorded_only_by_the_claiming_attempt_and_never_claimed_again(store: Any) -> None:
    store.claim_part("c1", "r1", claim("a1"), None)
    with pytest.raises(PartContended):
        store.mark_sent("c1", "r1", 1, "other", "1790000000000000020", T)
    store.mark_sent("c1", "r1", 1, "a1", "1790000000000000020", T + timedelta(seconds=1))
    part = store.parts("c1", "r1")[1]
    assert (part.status, part.x_id, part.updated_at) == (
        PartStatus.SENT,
        "1790000000000000020",
        T + timedelta(seconds=1),
    )
    with pytest.raises(PartContended):
        store.claim_part("c1", "r1", claim("a2"), "a1")


def test_a_failure_keeps_its_reason_and_a_new_claim_clears_it(store: Any) -> None:
    store.claim_part("c1", "r1", claim("a1"), None)
    reset = T + timedelta(minutes=15)
    store.mark_failed(
        "c1", "r1", 1, "a1", code="rate_limited", message="used up", at=T, retry_at=reset, may_exist=True
    )
    part = store.parts("c1", "r1")[1]
    assert (part.status, part.error_code, part.error_message, part.retry_at, part.may_exist) == (
        PartStatus.FAILED,
        "rate_limited",
        "used up",
        reset,
        True,
    )
    with pytest.raises(PartContended):
        store.mark_failed("c1", "r1", 1, "zz", code="x", message="x", at=T)
    store.claim_part("c1", "r1", claim("a2", attempts=2), "a1")
    part = store.parts("c1", "r1")[1]
    assert (part.status, part.error_code, part.retry_at, part.attempts) == (PartStatus.PENDING, None, None, 2)


def test_unconfirmed_ends_the_lease_and_keeps_the_part_pending(store: Any) -> None:
    store.claim_part("c1", "r1", claim("a1"), None)
    store.mark_unconfirmed("c1", "r1", 1, "a1", message="could not ask X", at=T + timedelta(seconds=5))
    part = store.parts("c1", "r1")[1]
    assert (part.status, part.lease_until, part.may_exist, part.error_code) == (
        PartStatus.PENDING,
        T + timedelta(seconds=5),
        True,
        "unconfirmed",
    )


def test_parts_are_read_by_index_for_that_reply_only(store: Any) -> None:
    store.open_reply(header())
    for i in (1, 2, 10):
        store.claim_part("c1", "r1", claim(f"a{i}", index=i), None)
    store.claim_part("c1", "r10", claim("b1"), None)
    assert sorted(store.parts("c1", "r1")) == [1, 2, 10]
    assert list(store.parts("c1", "r10")) == [1] and store.parts("c9", "r1") == {}


def test_records_carry_their_keys_and_expiry(aws: Any) -> None:
    store = DynamoOutboxStore(TABLE, retention=timedelta(days=90))
    store.open_reply(header())
    store.claim_part("c1", "r1", claim("a1", index=2), None)
    key = {"pk": {"S": outbox_pk("c1", "r1")}}
    head = aws.get_item(TableName=TABLE, Key={**key, "sk": {"S": "REPLY"}})["Item"]
    part = aws.get_item(TableName=TABLE, Key={**key, "sk": {"S": part_sk(2)}})["Item"]
    assert head["gsi1pk"] == {"S": "OUTBOX#c1"}
    assert part["sk"] == {"S": "PART#002"}
    expiry = int((T + timedelta(days=90)).timestamp())
    assert int(head["expires_at"]["N"]) == int(part["expires_at"]["N"]) == expiry


def test_delivery_on_dynamodb_survives_a_crash_after_x_accepted(aws: Any) -> None:
    crash = CrashPlan()
    clock = FakeClock()
    x = FakeX(clock, crash)
    customer_post = x.customer_post()
    store = DynamoOutboxStore(TABLE)
    deliverer = Deliverer(store, x, FakeBrands(BRAND), FakeMetrics(), clock=clock.now, sleep=clock.sleep)
    reply = OutgoingReply(
        case_id="c1",
        reply_id="r1",
        brand_id=BRAND.user_id,
        channel=Channel.PUBLIC,
        customer_id=CUSTOMER_ID,
        in_reply_to_tweet_id=customer_post,
        text=" ".join(f"Sentence number {i} of a long answer." for i in range(20)),
    )
    crash.rearm(at=2)  # X posts part 1; the function dies before recording it
    with pytest.raises(Crash):
        deliverer.deliver(reply)
    crash.rearm(None)
    clock.advance(121)

    result = deliverer.deliver(reply)

    assert result.status is DeliveryStatus.DELIVERED
    assert len(x.thread_under(customer_post)) == len(result.parts) == len(x.brand_posts())
    assert x.calls["post"] == len(result.parts)
