"""The case store's items in the single table (the layout is in carebird.storage.cases): the case, its
messages and logged decisions, the conversation and customer pointers, agents and their assignments."""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pynamodb.attributes import BinaryAttribute, BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PynamoDBException

from carebird.cases.model import Case, CaseMessage, CaseStatus, Decision, resolved_at
from carebird.cases.ports import CaseTooLarge
from carebird.casework.model import EarlierCase
from carebird.storage.table import Gsi1, Gsi2, TableItem


def case_pk(case_id: str) -> str:
    return f"CASE#{case_id}"


def customer_pk(brand_id: str, customer_id: str) -> str:
    """The partition of a customer's OPEN# pointers and CASE# items."""
    return f"CUSTOMER#{brand_id}#{customer_id}"


class CaseItem(TableItem):
    # The Case as JSON (one schema, owned by the domain model), zlib-compressed: the item is written to
    # the table and both indexes on every save, and DynamoDB bills each copy by the KB. A case item
    # written before compression has `body`, the JSON as text.
    packed = BinaryAttribute(null=True, legacy_encoding=False)
    body = UnicodeAttribute(null=True)
    # (Case items written before also carry brand_id, status, queue and assignee: the index keys say them.)
    version = NumberAttribute()
    # Decisions 0..n-1 are DECISION# items; the Case JSON holds the rest (those the last save added; a case
    # stored before the log moved out holds up to 25 there).
    decisions_archived = NumberAttribute(default=0)
    # When a case that is not open was resolved or closed (`resolved_at` of its whole log), ISO: what the
    # customer's cases show. A closed case item written before lacks it; its CASE# item has it.
    ended_at = UnicodeAttribute(null=True)
    # A case created closed (noise) keeps its first message here while the item fits one write unit, and
    # has no MSG# item until a message is added or it is saved (`pack_message`; carebird.storage.cases).
    message = BinaryAttribute(null=True, legacy_encoding=False)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    by_queue = Gsi1()
    by_assignee = Gsi2()


class MessageItem(TableItem):
    packed = BinaryAttribute(null=True, legacy_encoding=False)  # the CaseMessage as zlib-compressed JSON
    body = UnicodeAttribute(null=True)  # or, written before compression, as text
    message_id = UnicodeAttribute()


class ClassificationItem(TableItem):
    packed = BinaryAttribute(legacy_encoding=False)  # the case's whole classification, zlib-compressed JSON


class DecisionItem(TableItem):
    packed = BinaryAttribute(null=True, legacy_encoding=False)  # the decisions one save added (`archive`)
    body = UnicodeAttribute(null=True)  # or, written before, one decision as JSON text


class ConversationItem(TableItem):
    case_id = UnicodeAttribute()
    case_open = BooleanAttribute()


class CustomerOpenItem(TableItem):
    case_id = UnicodeAttribute()


class CustomerCaseItem(TableItem):
    case_id = UnicodeAttribute()
    status = UnicodeAttribute(null=True)  # written before the status was read from the case item
    opened_at = UnicodeAttribute()
    # Written at the create only (a case created closed); written before on every close and reopen too,
    # which is what a closed case item without `ended_at` shows.
    resolved_at = UnicodeAttribute(null=True)


class AgentItem(TableItem):
    body = UnicodeAttribute()
    open_cases = NumberAttribute(default=0)
    capacity = NumberAttribute()
    last_assigned_at = UnicodeAttribute(null=True)


class AssignmentItem(TableItem):
    agent_id = UnicodeAttribute()
    assigned_at = UnicodeAttribute()


def due_key(case: Case) -> str:
    """gsi1's sort key in a queue: by status (a queue is read one status at a time), then soonest due."""
    return f"{case.status.value}#{assignee_key(case)}"


def assignee_key(case: Case) -> str:
    """gsi2's sort key among an agent's cases: soonest due, whatever the status."""
    due = case.first_response_due or case.created_at
    return f"{due.astimezone(UTC).isoformat()}#{case.id}"


# The largest Case JSON a case item takes, before compression: DynamoDB's item limit, so whether a case
# fits does not depend on how well its text compresses (and a listing never inflates more than this).
MAX_CASE_JSON = 400 * 1024


# A preset dictionary for zlib (RFC 1950's FDICT): what a Case's JSON usually says, so a case item does
# not pay to spell out its field names and common values once more each time. It shrinks a routed
# case's item by about 250 bytes (from past 1 KB, a second write unit on every save and index entry, to
# under it). NEVER CHANGE THESE BYTES: the items written with them need them to be read. zlib names the
# dictionary in each stream by its Adler-32, and reading works for streams written without one (the case
# items written before), so a new dictionary would be a second constant, chosen by that checksum.
CASE_ZDICT = (
    b'{"id":"","brand_id":"","customer":{"id":"","username":"","name":"","followers":0,"verified":false},'
    b'"channel":"public","status":"queued","queue":"","skill":"","language":"en","assignee":"",'
    b'"priority":"P3","priority_score":0.0,"classification":{"sentiment":{"label":"negative",'
    b'"confidence":0.0}},"conversation_ids":[""],"message_ids":[""],"decisions":[{"at":'
    b'"2026-12-06T00:00:00Z","kind":"assignment","value":"","reason":"","by":"triage"}],"created_at":'
    b'"2026-12-06T00:00:00Z","updated_at":"2026-12-06T00:00:00Z","first_message_at":"2026-12-06T00:00:00Z",'
    b'"first_response_due":"2026-12-06T00:00:00Z","first_response_at":"","sla_met":true,'
    b'"first_response_task_token":"","at_risk_at":"","sla_breaches":0,"next_response_since":"",'
    b'"next_response_due":"","next_response_at_risk_at":"","resolution_window_s":0.0,"resolution_due":"",'
    b'"resolution_at_risk_at":"","resolution_paused_at":"","resolution_left_s":0.0,"clock_tokens":'
    b'{"first_response":"","resolution":""},"closed_reason":"","customer_texts":[""],"version":0,"tallied":0}'
)


def pack(case: Case) -> bytes:
    """The Case as a case item holds it; CaseTooLarge past MAX_CASE_JSON."""
    data = case.model_dump_json(exclude_none=True).encode()  # every field that may be None defaults to None
    if len(data) > MAX_CASE_JSON:
        raise CaseTooLarge(f"case {case.id} no longer fits one item: {len(data):,} bytes of JSON (400 KB)")
    packer = zlib.compressobj(level=9, zdict=CASE_ZDICT)
    return packer.compress(data) + packer.flush()


def unpack(packed: bytes) -> bytes:
    """What `pack` (or a plain zlib.compress, as the items written before) compressed."""
    reader = zlib.decompressobj(zdict=CASE_ZDICT)
    return reader.decompress(packed) + reader.flush()


def pack_message(message: CaseMessage, packed_case: bytes) -> bytes:
    """A message as its case item keeps it (`CaseItem.message`): its JSON compressed with the case's own
    JSON as zlib's preset dictionary, so what it repeats of the case (the customer, its id, conversation,
    text and classification) costs a few bytes, not a second write unit."""
    packer = zlib.compressobj(level=9, zdict=unpack(packed_case))
    return packer.compress(message.model_dump_json().encode()) + packer.flush()


def kept_message(item: CaseItem) -> CaseMessage | None:
    """The message the case item keeps (`pack_message`), if it keeps one."""
    if item.message is None or item.packed is None:
        return None
    reader = zlib.decompressobj(zdict=unpack(item.packed))
    return CaseMessage.model_validate_json(reader.decompress(item.message) + reader.flush())


def case_json(item: CaseItem | MessageItem) -> str:
    """The JSON a case or message item holds, compressed or (written before compression) as text."""
    return unpack(item.packed).decode() if item.packed is not None else str(item.body)


# What the case item keeps of the classification (a listing shows it); the whole of it is the case's
# CLASSIFICATION item, written when it changes.
CLASSIFICATION = "CLASSIFICATION"
LISTED_LABELS = ("sentiment",)


def listed_labels(classification: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in classification.items() if k in LISTED_LABELS}


class StoredCase:
    """What a save needs of the stored case: its version, its Case (the whole classification, the log
    without its archived part), its CLASSIFICATION item's content (None: no such item), how many
    decisions have their own items and how many the version holds in all, and the message its case
    item keeps (None: the MSG# items hold its whole thread)."""

    def __init__(self, item: CaseItem, classification: dict[str, Any] | None) -> None:
        self.case = Case.model_validate_json(case_json(item))
        self.message = kept_message(item)
        self.classification = classification
        if classification is not None:
            self.case = self.case.model_copy(update={"classification": classification})
        self.version = int(item.version)
        self.archived = int(item.decisions_archived or 0)
        self.logged = self.archived + len(self.case.decisions)


def archive(
    model: type[DecisionItem], case_id: str, decisions: Sequence[Decision], start: int, end: int
) -> None:
    """Write decisions start..end-1 (those the stored version's case item holds: what its save added) as
    one DECISION#<start> item, their JSON list zlib-compressed in `packed`. Only decisions a stored
    version of the case holds are archived, and decisions only ever append, so decision n is the same in
    every copy of the case: writing the item again (a retried or losing save) writes what is there."""
    if end <= start:
        return
    listed = "[" + ",".join(d.model_dump_json() for d in decisions[start:end]) + "]"
    model(case_pk(case_id), f"DECISION#{start:06d}", packed=zlib.compress(listed.encode())).save()


def archived(item: CaseItem | DecisionItem) -> tuple[int, list[Decision]]:
    """A DECISION# item's first decision number and its decisions: a list from `archive`, or (written
    before decisions were archived a save at a time) one decision as text in `body`."""
    first = int(str(item.sk).removeprefix("DECISION#"))
    if item.packed is not None:
        return first, [Decision.model_validate(d) for d in json.loads(zlib.decompress(item.packed))]
    return first, [Decision.model_validate_json(str(item.body))]


def ended_iso(case: Case) -> str | None:
    """When a case that is not open ended (`resolved_at` of its whole log), ISO: the case item's
    `ended_at`."""
    ended = resolved_at(case)
    return ended.astimezone(UTC).isoformat() if ended is not None else None


def earlier_case(pointer: CustomerCaseItem, stored: CaseItem) -> EarlierCase:
    """One of a customer's cases: its CASE# item (opened) and its case item (status, when it ended; a
    closed case item written before has no `ended_at`: its CASE# item's `resolved_at` says it)."""
    status = CaseStatus(json.loads(case_json(stored))["status"])
    ended = None if status.is_open else stored.ended_at or pointer.resolved_at
    return EarlierCase(
        id=pointer.case_id,
        status=status.value,
        opened_at=datetime.fromisoformat(pointer.opened_at),
        resolved_at=datetime.fromisoformat(ended) if ended else None,
    )


def too_large(exc: PynamoDBException) -> bool:
    reasons = getattr(exc, "cancellation_reasons", None) or []
    messages = [exc.cause_response_message or ""] + [r.message or "" for r in reasons if r is not None]
    return any("size" in m.lower() and "exceed" in m.lower() for m in messages)


def case_from(item: CaseItem) -> Case:
    return Case.model_validate_json(case_json(item)).model_copy(update={"version": int(item.version)})


def listed(item: CaseItem) -> Case:
    """A case as a listing gives it: without its decision log (the item holds only the newest part)."""
    return case_from(item).model_copy(update={"decisions": (), "tallied": 0})


# ---------------------------------------------------------------------- the items a case store writes
def case_item_for(
    model: type[CaseItem],
    case: Case,
    archived: int = 0,
    whole: bool = False,
    message: CaseMessage | None = None,
) -> CaseItem:
    """The case item: the Case without its first `archived` decisions, of the classification only what a
    listing shows (`whole`: all of it), and the `message` it keeps (`pack_message`)."""
    assigned = case.assignee is not None and case.status.is_open
    labels = case.classification if whole else listed_labels(case.classification)
    kept = case.model_copy(update={"decisions": case.decisions[archived:], "classification": labels})
    packed = pack(kept)
    return model(
        case_pk(case.id),
        "CASE",
        packed=packed,
        message=pack_message(message, packed) if message is not None else None,
        version=case.version,
        decisions_archived=archived,
        ended_at=ended_iso(case),
        gsi1pk=f"QUEUE#{case.brand_id}#{case.queue}",
        gsi1sk=due_key(case),
        gsi2pk=f"ASSIGNEE#{case.brand_id}#{case.assignee}" if assigned else None,
        gsi2sk=assignee_key(case) if assigned else None,
    )


def classification_item_for(model: type[ClassificationItem], case: Case) -> ClassificationItem:
    packed = zlib.compress(json.dumps(case.classification).encode())
    return model(case_pk(case.id), CLASSIFICATION, packed=packed)


def customer_case_item_for(model: type[CustomerCaseItem], case: Case) -> CustomerCaseItem:
    """The customer's CASE# item, written by the create (the status and end are the case item's)."""
    opened = case.created_at.astimezone(UTC).isoformat()
    return model(
        customer_pk(case.brand_id, case.customer.id),
        f"CASE#{opened}#{case.id}",
        case_id=case.id,
        opened_at=opened,
        resolved_at=ended_iso(case),
    )


def message_item_for(model: type[MessageItem], case_id: str, message: CaseMessage) -> MessageItem:
    sk = f"MSG#{message.created_at.astimezone(UTC).isoformat()}#{message.id}"
    packed = zlib.compress(message.model_dump_json().encode())
    return model(case_pk(case_id), sk, packed=packed, message_id=message.id)
