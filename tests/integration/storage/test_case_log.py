"""The case store's layout on moto and DynamoDB Local: the case item (compressed) keeping its decisions while
it fits one write unit, then those of the stored version written once to their own item, and a case item
written before (text, with up to 25 decisions) still read whole and saved on."""

from __future__ import annotations

import hashlib
import json
import zlib
from datetime import timedelta
from typing import Any, get_args

import pytest

from carebird.cases.model import Case, CaseStatus, Customer, Decision
from carebird.cases.ports import CaseConflict
from carebird.storage.case_items import unpack
from carebird.storage.cases import DynamoCaseStore
from tests.integration.storage.conftest import Engine
from tests.integration.storage.test_case_store import NOW, case, msg

CLASSIFICATION = {
    "sentiment": {"label": "negative", "confidence": 0.6},
    "skill": {"label": "billing", "confidence": 0.5},
    "reasons": ["skill billing: matched refund"],
}


def decision(n: int) -> Decision:
    return Decision(
        at=NOW + timedelta(seconds=n), kind="note", value=f"d{n}", reason=f"because {n}", by="sue"
    )


def items(engine: Engine, case_id: str) -> dict[str, dict[str, Any]]:
    found = engine.client.query(
        TableName=engine.table_name,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"CASE#{case_id}"}},
        ConsistentRead=True,
    )["Items"]
    return {item["sk"]["S"]: item for item in found}


def unpacked(item: dict[str, Any]) -> Any:
    return json.loads(unpack(item["packed"]["B"]))


def in_list(item: dict[str, Any]) -> list[str]:
    """The decisions a DECISION# item holds (a compressed JSON list)."""
    return [d["value"] for d in json.loads(zlib.decompress(item["packed"]["B"]))]


def in_item(item: dict[str, Any]) -> list[str]:
    """The decisions a case item holds (its Case JSON is compressed)."""
    return [d["value"] for d in unpacked(item)["decisions"]]


@pytest.fixture
def store(engine: Engine) -> DynamoCaseStore:
    return DynamoCaseStore(engine.table_name, host=engine.host)


def test_the_case_item_keeps_its_decisions_while_it_fits_a_write_unit_then_archives_them_once(
    engine: Engine, store: DynamoCaseStore
) -> None:
    created = store.create(case(decisions=(decision(0),)), msg())
    current = created
    for n in range(1, 4):
        current = store.save(store.get(created.id).with_decision(decision(n)))  # type: ignore[union-attr]
    stored = items(engine, created.id)
    assert in_item(stored["CASE"]) == ["d0", "d1", "d2", "d3"]  # under 1 KB: no DECISION# item to write
    assert not [sk for sk in stored if sk.startswith("DECISION#")]
    assert stored["CASE"]["decisions_archived"]["N"] == "0"
    assert item_size(stored["CASE"]) <= 1024
    whole = store.get(created.id)
    assert whole is not None and whole.version == current.version == 4
    assert [d.value for d in whole.decisions] == ["d0", "d1", "d2", "d3"]
    # A save that would take the case item past 1 KB first archives what the stored version holds, as
    # one item, and keeps only its own decisions.
    more = store.save(whole.with_decision(long_decision(4)))
    stored = items(engine, created.id)
    assert in_list(stored["DECISION#000000"]) == ["d0", "d1", "d2", "d3"]
    assert in_item(stored["CASE"]) == ["d4"]
    assert stored["CASE"]["decisions_archived"]["N"] == "4"
    store.save(more.with_decision(decision(5)))  # d4 alone passes 1 KB: archived by the save after it
    stored = items(engine, created.id)
    assert in_list(stored["DECISION#000004"]) == ["d4"] and in_item(stored["CASE"]) == ["d5"]
    assert sorted(sk for sk in stored if sk.startswith("DECISION#")) == ["DECISION#000000", "DECISION#000004"]
    again = store.get(created.id)
    assert again is not None and [d.value for d in again.decisions] == [f"d{n}" for n in range(6)]
    assert again.decisions[4] == long_decision(4)
    listed = store.queue("acme", "billing")
    assert [c.id for c in listed] == [created.id] and listed[0].decisions == ()


def long_decision(n: int) -> Decision:
    """A decision whose reason compresses to about 1.6 KB (hex digits: 4 bits of content a character)."""
    reason = "".join(hashlib.sha256(f"{n}.{i}".encode()).hexdigest() for i in range(50))
    return decision(n).model_copy(update={"reason": reason})


def item_size(item: dict[str, Any]) -> int:
    """A raw item's size by DynamoDB's rule (names and values; the case item holds S, N and B only)."""
    sizes = {"S": lambda v: len(v.encode()), "B": len, "N": lambda v: len(v) // 2 + 2}
    return sum(len(name) + sizes[kind](v) for name, value in item.items() for kind, v in value.items())


def test_items_of_one_decision_under_a_list_of_the_same_decisions_read_once(
    engine: Engine, store: DynamoCaseStore
) -> None:
    """A save of the release before wrote one item a decision; one that lost a race may leave them where
    the next save writes the same decisions as one list."""
    created = store.create(case(decisions=tuple(decision(n) for n in range(3))), msg())
    for n in range(3):
        engine.client.put_item(
            TableName=engine.table_name,
            Item={
                "pk": {"S": f"CASE#{created.id}"},
                "sk": {"S": f"DECISION#{n:06d}"},
                "body": {"S": decision(n).model_dump_json()},
            },
        )
    store.save(created.with_decision(decision(3)))  # fits 1 KB: the case item keeps all four
    again = store.get(created.id)
    assert again is not None and [d.value for d in again.decisions] == ["d0", "d1", "d2", "d3"]
    store.save(again.with_decision(long_decision(4)))  # does not: d0-d3 archived as one list
    assert in_list(items(engine, created.id)["DECISION#000000"]) == ["d0", "d1", "d2", "d3"]
    again = store.get(created.id)
    assert again is not None and [d.value for d in again.decisions] == ["d0", "d1", "d2", "d3", "d4"]


def test_a_case_without_its_whole_log_is_not_saved_over_the_stored_one(store: DynamoCaseStore) -> None:
    created = store.create(case(decisions=(decision(0), decision(1))), msg())
    store.save(store.get(created.id).with_decision(decision(2)))  # type: ignore[union-attr]
    listed = store.queue("acme", "billing")[0]
    with pytest.raises(CaseConflict):
        store.save(listed.model_copy(update={"status": CaseStatus.PENDING_CUSTOMER}))
    assert [d.value for d in store.get(created.id).decisions] == ["d0", "d1", "d2"]  # type: ignore[union-attr]


def test_a_case_item_written_before_the_log_moved_out_is_read_whole_and_saved_on(
    engine: Engine, store: DynamoCaseStore
) -> None:
    """Yesterday's layout: the Case as JSON text in `body` with the newest 25 decisions, older ones as
    DECISION# items counted by `decisions_archived`; a message's JSON as text in `body`."""
    log = tuple(decision(n) for n in range(30))
    created = store.create(case(decisions=log, classification=CLASSIFICATION), msg())
    legacy = items(engine, created.id)["CASE"]
    body = json.loads(unpack(legacy.pop("packed")["B"]))
    body["decisions"] = body["decisions"][5:]
    body["classification"] = CLASSIFICATION
    engine.client.delete_item(
        TableName=engine.table_name, Key={"pk": {"S": f"CASE#{created.id}"}, "sk": {"S": "CLASSIFICATION"}}
    )
    legacy["body"] = {"S": json.dumps(body)}
    legacy["decisions_archived"] = {"N": "5"}
    engine.client.put_item(TableName=engine.table_name, Item=legacy)
    for n in range(5):
        engine.client.put_item(
            TableName=engine.table_name,
            Item={
                "pk": {"S": f"CASE#{created.id}"},
                "sk": {"S": f"DECISION#{n:06d}"},
                "body": {"S": log[n].model_dump_json()},
            },
        )

    reply = msg("2").model_copy(update={"direction": "out", "text": "sorry, refunded"})
    engine.client.put_item(
        TableName=engine.table_name,
        Item={
            "pk": {"S": f"CASE#{created.id}"},
            "sk": {"S": f"MSG#{reply.created_at.isoformat()}#{reply.id}"},
            "body": {"S": reply.model_dump_json()},
            "message_id": {"S": reply.id},
        },
    )

    assert store.messages(created.id) == [msg(), reply]
    read = store.get(created.id)
    assert read is not None and read.decisions == log and read.version == 1
    assert read.classification == CLASSIFICATION
    assert store.queue("acme", "billing")[0].classification == CLASSIFICATION  # listed as stored
    saved = store.save(read.with_decision(decision(30), status=CaseStatus.PENDING_CUSTOMER))
    again = store.get(created.id)
    assert again == saved and [d.value for d in again.decisions] == [f"d{n}" for n in range(31)]
    assert again.classification == CLASSIFICATION
    stored = items(engine, created.id)
    # 26 short decisions still fit 1 KB compressed: kept; the first save that does not fit moves them out
    assert in_item(stored["CASE"]) == [f"d{n}" for n in range(5, 31)]
    assert stored["CASE"]["decisions_archived"]["N"] == "5" and item_size(stored["CASE"]) <= 1024
    assert unpacked(stored["CLASSIFICATION"]) == CLASSIFICATION  # handed over to its own item
    assert unpacked(stored["CASE"])["classification"] == {"sentiment": CLASSIFICATION["sentiment"]}
    assert [c.id for c in store.queue("acme", "billing", status="pending_customer")] == [created.id]
    moved = store.save(again.with_decision(long_decision(31)))
    stored = items(engine, created.id)
    assert in_item(stored["CASE"]) == ["d31"] and stored["CASE"]["decisions_archived"]["N"] == "31"
    assert in_list(stored["DECISION#000005"]) == [f"d{n}" for n in range(5, 31)]
    assert store.get(created.id) == moved


def customer_items(engine: Engine, customer: str = "42") -> dict[str, dict[str, Any]]:
    found = engine.client.query(
        TableName=engine.table_name,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"CUSTOMER#acme#{customer}"}},
        ConsistentRead=True,
    )["Items"]
    return {item["sk"]["S"].split("#")[0]: item for item in found}


def test_a_status_change_moves_only_the_case_item_and_the_customers_cases_read_it(
    engine: Engine, store: DynamoCaseStore
) -> None:
    created = store.create(case(), msg())
    written = customer_items(engine)["CASE"]
    assert "status" not in written  # the status is the case item's
    pending = store.save(created.model_copy(update={"status": CaseStatus.PENDING_CUSTOMER}))
    noted = store.save(pending.with_decision(decision(1)))  # no status change: the case item alone
    assert customer_items(engine)["CASE"] == written  # a status change within open ones moves nothing else
    assert [(c.id, c.status) for c in store.customer_cases("acme", "42", 5)] == [
        (created.id, "pending_customer")
    ]
    resolved = store.save(
        noted.with_decision(decision(2).model_copy(update={"kind": "resolved"}), status=CaseStatus.RESOLVED)
    )
    earlier = store.customer_cases("acme", "42", 5)
    assert [(c.id, c.status, c.resolved_at) for c in earlier] == [(created.id, "resolved", decision(2).at)]
    assert "OPEN" not in customer_items(engine)
    assert store.open_case_for_customer("acme", "42") is None
    assert store.open_case_for_conversation("acme", "1") is None
    reopened = store.save(resolved.model_copy(update={"status": CaseStatus.QUEUED}))
    assert store.open_case_for_conversation("acme", "1") == reopened
    assert store.open_case_for_customer("acme", "42") == reopened
    assert [(c.status, c.resolved_at) for c in store.customer_cases("acme", "42", 5)] == [("queued", None)]


def test_a_customers_case_item_written_with_its_status_reads_the_status_of_the_case(
    engine: Engine, store: DynamoCaseStore
) -> None:
    created = store.create(case(), msg())
    key = customer_items(engine)["CASE"]
    engine.client.put_item(TableName=engine.table_name, Item={**key, "status": {"S": "queued"}})  # as before
    store.save(created.model_copy(update={"status": CaseStatus.PENDING_CUSTOMER}))
    assert [c.status for c in store.customer_cases("acme", "42", 5)] == ["pending_customer"]


def test_a_case_created_closed_takes_no_conversation_and_stays_listed(
    engine: Engine, store: DynamoCaseStore
) -> None:
    noise = case(status=CaseStatus.CLOSED, closed_reason="spam", classification=CLASSIFICATION)
    created = store.create(noise, msg())
    # (its classification and its message inside its case item: see the tests below)
    assert set(items(engine, created.id)) == {"CASE"}
    assert set(customer_items(engine)) == {"CASE"}  # no OPEN# pointer
    assert store.open_case_for_conversation("acme", "1") is None  # nor a conversation taken
    assert [c.id for c in store.queue("acme", "billing", status="closed")] == [created.id]
    assert [(c.id, c.status) for c in store.customer_cases("acme", "42", 5)] == [(created.id, "closed")]
    assert store.create(noise, msg()) == created  # a retried step finds it
    assert store.get(created.id) == created


def test_a_case_created_closed_keeps_its_message_in_its_item_until_the_thread_grows_or_it_is_saved(
    engine: Engine, store: DynamoCaseStore
) -> None:
    """A noise case's first message costs no MSG# item of its own while its case item fits one write
    unit: the thread reads the same, and a note or a save hands the message over to its MSG# item."""
    text = "win a free prize at example.com " * 6
    spam = msg().model_copy(update={"text": text, "classification": CLASSIFICATION})
    noise = case(
        status=CaseStatus.CLOSED, queue="noise", classification=CLASSIFICATION, decisions=(decision(0),),
        customer_texts=(spam.text,),
    )  # fmt: skip
    created = store.create(noise, spam)
    stored = items(engine, created.id)
    assert set(stored) == {"CASE"} and item_size(stored["CASE"]) <= 1024
    assert store.messages(created.id) == [spam]
    assert store.create(noise, spam) == created and store.messages(created.id) == [spam]  # a retried step

    note = msg("note-1").model_copy(update={"direction": "note", "text": "seen"})
    assert store.add_message(created, note)
    assert [m.id for m in store.messages(created.id)] == ["1", "note-1"]
    assert store.messages(created.id)[0] == spam

    # A person reopens another such case: its save writes the message's MSG# item first.
    other = store.create(noise.model_copy(update={"id": "acme-t9"}), spam)
    saved = store.save(other.with_decision(decision(1), status=CaseStatus.QUEUED))
    assert f"MSG#{NOW.isoformat()}#1" in items(engine, saved.id)
    assert "message" not in items(engine, saved.id)["CASE"]
    assert store.messages(saved.id) == [spam]


def test_a_case_created_closed_whose_message_does_not_fit_keeps_a_msg_item(
    engine: Engine, store: DynamoCaseStore
) -> None:
    long = msg().model_copy(update={"text": "".join(chr(0x4E00 + n * 7919 % 20000) for n in range(400))})
    created = store.create(case(status=CaseStatus.CLOSED, queue="noise", classification=CLASSIFICATION), long)
    stored = items(engine, created.id)
    assert set(stored) == {"CASE", f"MSG#{NOW.isoformat()}#1"} and "message" not in stored["CASE"]
    assert unpacked(stored["CASE"])["classification"] == CLASSIFICATION  # the classification still fits
    assert store.messages(created.id) == [long]


def test_a_case_item_compressed_without_the_dictionary_reads_the_same_and_saves_with_it(
    engine: Engine, store: DynamoCaseStore
) -> None:
    created = store.create(case(classification=CLASSIFICATION), msg())
    stored = items(engine, created.id)["CASE"]
    assert stored["packed"]["B"][1] & 0x20  # FDICT: written with the preset dictionary
    before = zlib.compress(unpack(stored["packed"]["B"]))  # as a case item written before it was
    assert len(stored["packed"]["B"]) < len(before)
    engine.client.put_item(TableName=engine.table_name, Item={**stored, "packed": {"B": before}})
    assert store.get(created.id) == created
    saved = store.save(created.with_decision(decision(1)))
    assert store.get(created.id) == saved
    assert items(engine, created.id)["CASE"]["packed"]["B"][1] & 0x20


def test_a_stale_save_stores_nothing(store: DynamoCaseStore) -> None:
    created = store.create(case(), msg())
    store.save(created.with_decision(decision(1)))
    with pytest.raises(CaseConflict):
        store.save(created.with_decision(decision(2)))
    stored: Case | None = store.get(created.id)
    assert stored is not None and [d.value for d in stored.decisions] == ["d1"] and stored.version == 2


def test_the_case_item_keeps_what_a_listing_shows_of_the_classification_and_its_item_the_whole(
    engine: Engine, store: DynamoCaseStore
) -> None:
    created = store.create(case(classification=CLASSIFICATION), msg())
    stored = items(engine, created.id)
    assert unpacked(stored["CLASSIFICATION"]) == CLASSIFICATION
    assert unpacked(stored["CASE"])["classification"] == {"sentiment": CLASSIFICATION["sentiment"]}
    assert store.get(created.id) == created
    [listed] = store.queue("acme", "billing")
    assert listed.classification == {"sentiment": CLASSIFICATION["sentiment"]}
    corrected = {**CLASSIFICATION, "spam": {"value": False, "confidence": 1.0}}
    saved = store.save(created.model_copy(update={"classification": corrected}))
    assert store.get(created.id) == saved and saved.classification == corrected
    assert unpacked(items(engine, created.id)["CLASSIFICATION"]) == corrected


def test_every_case_field_that_may_be_none_defaults_to_none() -> None:
    """The case item leaves out None fields (exclude_none): reading one back must give None again."""
    for model in (Case, Customer, Decision):
        for name, field in model.model_fields.items():
            if field.is_required() or field.default is not None:
                assert type(None) not in get_args(field.annotation), f"{model.__name__}.{name}"


def test_an_agents_index_key_has_no_status_and_one_written_before_is_still_listed(
    engine: Engine, store: DynamoCaseStore
) -> None:
    held = store.create(case(status=CaseStatus.ASSIGNED, assignee="ana"), msg())
    key = items(engine, held.id)["CASE"]["gsi2sk"]["S"]
    assert key == f"{(NOW + timedelta(hours=1)).isoformat()}#{held.id}"
    store.save(held.model_copy(update={"status": CaseStatus.PENDING_CUSTOMER}))
    assert items(engine, held.id)["CASE"]["gsi2sk"]["S"] == key  # a status change moves no entry of gsi2
    older = store.create(
        case("acme-t2", conversation="2", customer="43", status=CaseStatus.ASSIGNED, assignee="ana"),
        msg("2", "2"),
    )
    before = items(engine, older.id)["CASE"]
    before["gsi2sk"] = {"S": "assigned#" + before["gsi2sk"]["S"]}  # as the release before keyed it
    engine.client.put_item(TableName=engine.table_name, Item=before)
    assert sorted(c.id for c in store.assigned_to("acme", "ana")) == [held.id, older.id]


def test_a_close_moves_no_customer_item_and_one_closed_before_shows_when_it_ended(
    engine: Engine, store: DynamoCaseStore
) -> None:
    created = store.create(case(), msg())
    written = customer_items(engine)["CASE"]
    resolved = store.save(
        created.with_decision(decision(1).model_copy(update={"kind": "resolved"}), status=CaseStatus.RESOLVED)
    )
    assert customer_items(engine)["CASE"] == written  # the case item says when it ended
    assert items(engine, created.id)["CASE"]["ended_at"]["S"] == decision(1).at.isoformat()
    assert [c.resolved_at for c in store.customer_cases("acme", "42", 5)] == [decision(1).at]
    # As the release before left a closed case: no `ended_at`, the customer's CASE# item saying it.
    stored = items(engine, created.id)["CASE"]
    del stored["ended_at"]
    engine.client.put_item(TableName=engine.table_name, Item=stored)
    engine.client.put_item(
        TableName=engine.table_name, Item={**written, "resolved_at": {"S": "2026-11-23T10:00:09+00:00"}}
    )
    assert [c.resolved_at for c in store.customer_cases("acme", "42", 5)] == [NOW + timedelta(seconds=9)]
    reopened = store.save(resolved.model_copy(update={"status": CaseStatus.QUEUED}))
    assert [(c.status, c.resolved_at) for c in store.customer_cases("acme", "42", 5)] == [("queued", None)]
    store.save(reopened.model_copy(update={"status": CaseStatus.CLOSED}))
    assert [(c.status, c.resolved_at) for c in store.customer_cases("acme", "42", 5)] == [
        ("closed", decision(1).at)  # the last resolution of its log
    ]


def test_a_case_created_closed_keeps_its_whole_classification_in_its_item_until_its_first_save(
    engine: Engine, store: DynamoCaseStore
) -> None:
    """A noise case is created closed and seldom saved again: its case item holds the whole
    classification while it fits one write unit, so its create writes no CLASSIFICATION item."""
    noise = case(
        status=CaseStatus.CLOSED, queue="noise", classification=CLASSIFICATION, decisions=(decision(0),)
    )
    created = store.create(noise, msg())
    stored = items(engine, created.id)
    assert "CLASSIFICATION" not in stored
    assert unpacked(stored["CASE"])["classification"] == CLASSIFICATION and item_size(stored["CASE"]) <= 1024
    read = store.get(created.id)
    assert read is not None and read.classification == CLASSIFICATION
    assert store.queue("acme", "noise")[0].classification == CLASSIFICATION  # listed as stored

    # Its first save (a person reopens it) hands the classification over to its own item.
    saved = store.save(read.with_decision(decision(1), status=CaseStatus.QUEUED))
    stored = items(engine, created.id)
    assert unpacked(stored["CLASSIFICATION"]) == CLASSIFICATION
    assert unpacked(stored["CASE"])["classification"] == {"sentiment": CLASSIFICATION["sentiment"]}
    assert store.get(created.id) == saved and saved.classification == CLASSIFICATION

    # An open case is saved again soon (assigned, answered): its classification is its own item at once.
    routed = store.create(case(id="acme-t2", conversation="2", classification=CLASSIFICATION), msg("2", "2"))
    assert unpacked(items(engine, routed.id)["CLASSIFICATION"]) == CLASSIFICATION
