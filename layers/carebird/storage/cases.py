"""Cases in DynamoDB. Implements carebird.cases.ports.CaseStore (agents: carebird.storage.agents).

Item types (`<b>` brand id, `<case>` case id, `<conv>` X conversation id, `<cust>` customer's X id):

    entity         pk                   sk                   gsi1pk / gsi1sk           gsi2pk / gsi2sk
    case           CASE#<case>          CASE                 QUEUE#<b>#<queue> /       ASSIGNEE#<b>#<agent> /
                                                             <status>#<due>#<case>     <due>#<case>
    message        CASE#<case>          MSG#<iso time>#<id>  -                         -
    classification CASE#<case>          CLASSIFICATION       -                         -
    decisions      CASE#<case>          DECISION#<n, 6 dig.> -                         -
    conversation   CONV#<b>#<conv>      CONV                 -                         -
    customer open  CUSTOMER#<b>#<cust>  OPEN#<case>          -                         -
    customer case  CUSTOMER#<b>#<cust>  CASE#<opened>#<case> -                         -
    agent          AGENT#<b>            AGENT#<agent>        -                         -
    assignment     CASE#<case>          ASSIGNMENT           -                         -
    watch token    CASE#<case>          WATCH#<clock>#<key>  -  (carebird.storage.watch_tokens)

(Corrections and canned responses: carebird.storage.casework.)

Access patterns:
- a case, whole: Query CASE#<case>, sk between CASE and DECISION#~ (consistent): the case item, its
  CLASSIFICATION and its DECISION# items. Its thread: Query CASE#<case>, sk begins_with MSG#; none
  found, the message its case item keeps (`message`, below).
- a queue's cases by status, soonest SLA first: Query gsi1 QUEUE#<b>#<queue>, sk begins_with <status>#,
  then BatchGetItem of the case items (the index holds keys only: a save that moves no key writes no
  index).
- an agent's cases: Query gsi2 ASSIGNEE#<b>#<agent> (only assigned cases carry gsi2 keys), the same way,
  soonest due first; no status in the key, so a status change moves no gsi2 entry (a case item written
  before keeps `<status>#` in front: the order mixes, and the callers read them all and sort).
  Listed cases come without their decision log, and of the classification only its sentiment: the case
  item keeps only that (an index projecting ALL, as a stack deployed before keeps, copies it on every
  save); the whole classification is its own item, written when it changes. A case created closed
  (noise) whose item fits one write unit with the whole classification keeps it there (listed whole),
  with no CLASSIFICATION item, as a case item written before one existed: its first save hands it over.
  Its first message too, while the item still fits one write unit (`message`, compressed with the case's
  JSON as zlib's dictionary: about 150 bytes for a spam post), with no MSG# item: a message added to it
  (a note) or its first save (a person restores it) first writes that MSG# item.
- the open case of a conversation: GetItem CONV#<b>#<conv>, then the case. A conversation is claimed by
  the transaction that creates its case: `attribute_not_exists(pk) OR case_open = false`, so two first
  messages racing cannot make two open cases of one conversation.
- create a case: first one BatchWriteItem of the items only this case points at (its first MSG# unless
  the case item keeps it, its CLASSIFICATION, the customer's OPEN# pointer and CASE# item), then the case
  item, conditional on `attribute_not_exists(pk)`: a case item that exists has them all. Only an open case
  claims conversations, so only its create is a transaction (the case item and its CONV items); a case
  created closed (triage's noise) is a conditional PutItem. A create that loses its conversation to
  another case deletes the customer's pointers it wrote (its MSG# and CLASSIFICATION sit under its own
  key, unread).
- a customer's open case (a DM joins it): Query CUSTOMER#<b>#<cust>, sk begins_with OPEN#.
- a customer's cases, newest first (the inbox's customer panel): Query CUSTOMER#<b>#<cust>, sk
  begins_with CASE#, descending, limited, then one BatchGetItem of their case items for the status and
  when a closed one ended (the case item's `ended_at`). The CASE# item (opened) is written once, by the
  create; no status change, closing and reopening included, moves it. (Written before: a CASE# item
  with a status too, rewritten on each close and reopen; its `resolved_at` is read when the closed
  case item has no `ended_at`.)
- update a case: read its item and classification (consistent Query, sk between CASE and
  CLASSIFICATION: the stored version, status, log length, classification), then PutItem with
  `version = :expected` (optimistic locking) when only the case item changes, or one transaction with
  the items that must change with it: the conversations it takes or opens or closes, the customer's
  OPEN# pointer, its CLASSIFICATION when that changes, and a claim's ASSIGNMENT and agent count. A save
  from a version that is not the stored one, or without the whole log, is a CaseConflict before
  anything is written.
- a case's decisions: the case item keeps those no DECISION# item holds while it stays within one write
  unit (1 KB: what it costs anyway); a save that would take it past that first writes the decisions the
  stored version's case item holds, together, to one DECISION#<n> item (n: the number of the first;
  their JSON list compressed; a PutItem of what a stored version holds, so a retried or losing save
  writes what is there), and the case item keeps only what this save added. `decisions_archived` counts
  the decisions in DECISION# items. So no number of decisions grows the case item past what one save
  adds, and the indexes never copy the log. (A DECISION# item written before holds one decision, as
  text; both read the same way.) A case item written before the log moved out keeps up to 25 decisions
  in its body; it reads the same way and moves them out on its next save that would not fit 1 KB.
- the case and message items hold the Case and CaseMessage as zlib-compressed JSON (`packed`); one
  written before holds it as text (`body`) and reads the same way.
- a claim that changes the case (`save_claimed`): the case, its ASSIGNMENT and the agent's count in one
  transaction, so a save that fails takes no capacity.
- assign: one transaction puts ASSIGNMENT (`attribute_not_exists`) and adds one to the agent's
  open_cases (`open_cases < capacity`); a retried step finds the ASSIGNMENT and its holder.
- an agent's claim (`take`): the same transaction without the capacity condition (a person chose the
  case); the ASSIGNMENT's `attribute_not_exists` is what makes the second of two claimers lose.
- an outgoing message's delivery snapshot: PutItem over its own MSG# item (`put_message`).
- the reports' counters (carebird.storage.counters): once a create or save is stored, the tallies of the
  decisions it added (carebird.reports.tallies) are added. The case's `tallied` moves forward in the same
  write as its decisions, so a retried step or a lost race never counts an event twice; a counter write
  that fails after the case was stored is logged (`report counters not updated`) and that count is lost.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, PutError, PynamoDBException, TransactWriteError
from pynamodb.transactions import TransactWrite

from carebird.cases.model import Agent, Case, CaseMessage, Decision
from carebird.cases.ports import CaseConflict, CaseHeld, CaseTooLarge, ConversationClaimed
from carebird.casework.model import EarlierCase
from carebird.observability import logger
from carebird.reports.ports import CounterWriter
from carebird.reports.tallies import Tally, case_tallies, merged, opened
from carebird.storage.case_items import (
    CLASSIFICATION,
    AgentItem,
    AssignmentItem,
    CaseItem,
    ClassificationItem,
    ConversationItem,
    CustomerCaseItem,
    CustomerOpenItem,
    DecisionItem,
    MessageItem,
    StoredCase,
    archive,
    archived,
    case_item_for,
    case_json,
    case_pk,
    classification_item_for,
    customer_case_item_for,
    customer_pk,
    earlier_case,
    kept_message,
    listed,
    message_item_for,
    too_large,
)
from carebird.storage.counters import DynamoReportCounters
from carebird.storage.table import WRITE_UNIT_BYTES, TableItem, bind, is_condition_failure, item_bytes, whole
from carebird.storage.watch_tokens import DynamoWatchTokens


class DynamoCaseStore:
    def __init__(
        self,
        table_name: str,
        *,
        host: str | None = None,
        region: str | None = None,
        counters: CounterWriter | None = None,
    ) -> None:
        self._counters = counters or DynamoReportCounters(table_name, host=host, region=region)
        self._case = bind(CaseItem, table_name, host=host, region=region)
        self._message = bind(MessageItem, table_name, host=host, region=region)
        self._conversation = bind(ConversationItem, table_name, host=host, region=region)
        self._customer = bind(CustomerOpenItem, table_name, host=host, region=region)
        self._customer_case = bind(CustomerCaseItem, table_name, host=host, region=region)
        self._decision = bind(DecisionItem, table_name, host=host, region=region)
        self._classification = bind(ClassificationItem, table_name, host=host, region=region)
        self._agent = bind(AgentItem, table_name, host=host, region=region)
        self._assignment = bind(AssignmentItem, table_name, host=host, region=region)
        self._connection = Connection(host=host, region=region)
        self._watch_tokens = DynamoWatchTokens(table_name, host=host, region=region)

    # ------------------------------------------------------------------ reads
    def get(self, case_id: str) -> Case | None:
        """The case with its whole classification and decision log: one Query reads the case item, its
        CLASSIFICATION item and its DECISION# items."""
        read = self._read(case_id, "DECISION#~")
        if read is None:
            return None
        stored, logged = read
        return stored.case.model_copy(
            update={"decisions": tuple(logged[: stored.archived]) + stored.case.decisions}
        )

    def _read(self, case_id: str, upto: str) -> tuple[StoredCase, list[Decision]] | None:
        """The case item and the items after it up to `upto` (its classification, its decisions)."""
        found: CaseItem | None = None
        classification: dict[str, Any] | None = None
        by_number: dict[int, Decision] = {}  # (an item of one decision and a later list may overlap)
        for item in self._case.query(
            case_pk(case_id), self._case.sk.between("CASE", upto), consistent_read=True
        ):
            if item.sk == "CASE":
                found = item
            elif item.sk == CLASSIFICATION:
                classification = json.loads(case_json(item))
            else:
                first, decisions = archived(item)
                by_number.update(enumerate(decisions, start=first))
        logged = [by_number[n] for n in sorted(by_number)]
        return None if found is None else (StoredCase(found, classification), logged)

    def open_case_for_conversation(self, brand_id: str, conversation_id: str) -> Case | None:
        try:
            item = self._conversation.get(f"CONV#{brand_id}#{conversation_id}", "CONV", consistent_read=True)
        except DoesNotExist:
            return None
        if not item.case_open:
            return None
        case = self.get(item.case_id)
        return case if case is not None and case.status.is_open else None

    def open_case_for_customer(self, brand_id: str, customer_id: str) -> Case | None:
        newest: Case | None = None
        for item in self._customer.query(
            customer_pk(brand_id, customer_id), self._customer.sk.startswith("OPEN#"), consistent_read=True
        ):
            case = self.get(item.case_id)
            if (
                case is not None
                and case.status.is_open
                and (newest is None or case.created_at > newest.created_at)
            ):
                newest = case
        return newest

    def customer_cases(self, brand_id: str, customer_id: str, limit: int) -> list[EarlierCase]:
        """The customer's cases, newest first: the CASE# items, each case's status and end from its case
        item (one BatchGetItem), so a status change never has to move another item."""
        items = list(
            self._customer_case.query(
                customer_pk(brand_id, customer_id),
                self._customer_case.sk.startswith("CASE#"),
                scan_index_forward=False,
                limit=limit,
            )
        )
        keys = [(case_pk(item.case_id), "CASE") for item in items]
        found = {str(c.pk): c for c in self._case.batch_get(keys)}  # (none: a create that lost its conv.)
        return [
            earlier_case(item, found[pk]) for item, (pk, _) in zip(items, keys, strict=True) if pk in found
        ]

    def messages(self, case_id: str) -> list[CaseMessage]:
        items = self._message.query(
            case_pk(case_id), self._message.sk.startswith("MSG#"), consistent_read=True
        )
        found = [CaseMessage.model_validate_json(case_json(item)) for item in items]
        return found or self._kept_message(case_id)  # none: a case created closed may keep it in its item

    def _kept_message(self, case_id: str) -> list[CaseMessage]:
        try:
            message = kept_message(self._case.get(case_pk(case_id), "CASE", consistent_read=True))
        except DoesNotExist:
            return []
        return [message] if message is not None else []

    def queue(
        self, brand_id: str, queue: str, status: str | None = None, limit: int | None = 100
    ) -> list[Case]:
        """The queue's cases (of one status), soonest due first within a status; `limit` None: all.
        Listed cases carry no decision log (`get` has it)."""
        condition = self._case.gsi1sk.startswith(f"{status}#") if status else None
        items = self._case.by_queue.query(f"QUEUE#{brand_id}#{queue}", condition, limit=limit)
        return [listed(item) for item in whole(self._case, items)]

    def assigned_to(self, brand_id: str, agent_id: str, limit: int | None = None) -> list[Case]:
        """The open cases an agent holds, soonest due first (see the layout: callers sort them)."""
        items = self._case.by_assignee.query(f"ASSIGNEE#{brand_id}#{agent_id}", limit=limit)
        return [listed(item) for item in whole(self._case, items)]

    # ------------------------------------------------------------------ writes
    def create(self, case: Case, message: CaseMessage) -> Case:
        existing = self.get(case.id)
        if existing is not None:
            return existing
        stored = case.model_copy(update={"version": 1, "tallied": len(case.decisions)})
        tallies = opened(case) + case_tallies(case.model_copy(update={"tallied": 0}))
        # A case created closed (noise) is seldom saved again: its item keeps the whole classification,
        # and its message too while that still fits one write unit (then it has no MSG# item).
        inside = None
        if not stored.status.is_open:
            inside = self._whole(stored, 0, message) or self._whole(stored, 0)
        case_item = inside or case_item_for(self._case, stored)
        # The items that only this case points at go first (one BatchWriteItem): a case item that exists
        # has them all. Only what another case may race for, its conversations, is written in one
        # transaction with the case item; a case created closed (noise) takes none, so a PutItem does.
        with self._case.batch_write() as batch:
            if stored.classification and inside is None:
                batch.save(classification_item_for(self._classification, stored))
            if case_item.message is None:
                batch.save(message_item_for(self._message, stored.id, message))
            if stored.status.is_open:
                batch.save(self._customer(self._customer_key(stored), f"OPEN#{stored.id}", case_id=stored.id))
            batch.save(customer_case_item_for(self._customer_case, stored))
        claims = stored.conversation_ids if stored.status.is_open else ()
        try:
            if not claims:
                case_item.save(condition=self._case.pk.does_not_exist())
            else:
                with TransactWrite(connection=self._connection) as tx:
                    tx.save(case_item, condition=self._case.pk.does_not_exist())
                    for conversation in claims:
                        item = self._conversation(
                            f"CONV#{stored.brand_id}#{conversation}",
                            "CONV",
                            case_id=stored.id,
                            case_open=True,
                        )
                        tx.save(
                            item,
                            condition=self._conversation.pk.does_not_exist()
                            | (self._conversation.case_open == False)  # noqa: E712 - a PynamoDB condition
                            | (self._conversation.case_id == stored.id),
                        )
        except (PutError, TransactWriteError) as exc:  # no case item was stored, so nothing is counted
            if isinstance(exc, PutError) and not is_condition_failure(exc):
                raise
            again = self.get(case.id)
            if again is not None:  # a concurrent attempt of the same step made it
                return again
            for conversation in case.conversation_ids:
                owner = self.open_case_for_conversation(case.brand_id, conversation)
                if owner is not None:
                    self._unlink(stored)
                    raise ConversationClaimed(owner.id) from exc
            raise
        self._count(stored, tallies)
        return stored

    def _unlink(self, case: Case) -> None:
        """Take back the customer's pointers of a case that was never stored (its conversation went to
        another case): nothing lists a case that does not exist. Its message and classification sit
        under its own key, which nothing reads without the case item."""
        with self._case.batch_write() as batch:
            batch.delete(self._customer(self._customer_key(case), f"OPEN#{case.id}", case_id=case.id))
            batch.delete(customer_case_item_for(self._customer_case, case))

    @staticmethod
    def _customer_key(case: Case) -> str:
        return customer_pk(case.brand_id, case.customer.id)

    def add_message(self, case: Case, message: CaseMessage) -> bool:
        if case.version == 1 and not case.status.is_open:  # created closed, never saved: a note on it
            self._hand_over(case.id, self._kept_message(case.id))
        try:
            item = message_item_for(self._message, case.id, message)
            item.save(condition=self._message.pk.does_not_exist())
        except PutError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def _hand_over(self, case_id: str, kept: list[CaseMessage]) -> None:
        """The message a case item keeps becomes a MSG# item before the thread gets another (or the
        case item is saved without it); the case item may go on holding the same copy."""
        for message in kept:
            message_item_for(self._message, case_id, message).save()

    def put_message(self, case_id: str, message: CaseMessage) -> None:
        """Write a message of the thread over its stored version (an outgoing message's delivery)."""
        message_item_for(self._message, case_id, message).save()

    def keep_watch_token(self, case_id: str, clock: str, key: str, task_token: str) -> None:
        self._watch_tokens.keep(case_id, clock, key, task_token)

    def watch_token(self, case_id: str, clock: str, key: str) -> str | None:
        return self._watch_tokens.get(case_id, clock, key)

    def save(self, case: Case) -> Case:
        return self._save(case, None)

    def save_claimed(self, case: Case, agent: Agent, at: datetime) -> Case:
        """Save the case and give it to `agent` (its ASSIGNMENT, one more open case on the agent's
        record) in one transaction: both happen or neither. Raises CaseHeld if someone holds the case,
        CaseConflict if it changed since it was read, CaseTooLarge if it cannot be stored."""
        return self._save(case, (agent, at))

    def _save(self, case: Case, claim: tuple[Agent, datetime] | None) -> Case:
        stored = self._stored(case.id)
        if stored is None or stored.version != case.version or len(case.decisions) < stored.logged:
            raise self._lost(case, claim, None)
        saved = case.model_copy(update={"version": case.version + 1, "tallied": len(case.decisions)})
        tallies = case_tallies(case)
        case_item = self._kept(saved, stored)  # CaseTooLarge before anything is written
        self._hand_over(saved.id, [stored.message] if stored.message is not None else [])
        links = self._links(
            stored.case.model_copy(update={"decisions": case.decisions[: stored.logged]}), saved
        )
        # Changed, or still only in the JSON of the case item (as a create or a release before kept it).
        if (stored.classification or {}) != saved.classification:
            links.append((classification_item_for(self._classification, saved), None, False))
        expected = self._case.version == case.version
        try:
            if not links and claim is None:  # only the case item changes: no transaction
                case_item.save(condition=expected)
            else:
                with TransactWrite(connection=self._connection) as tx:
                    tx.save(case_item, condition=expected)
                    for item, condition, delete in links:
                        if delete:
                            tx.delete(item)
                        else:
                            tx.save(item, condition=condition)
                    if claim is not None:
                        self._claim(tx, saved.id, *claim)
        except (PutError, TransactWriteError) as exc:
            if isinstance(exc, PutError) and not is_condition_failure(exc) and not too_large(exc):
                raise
            raise self._lost(case, claim, exc) from exc
        self._count(saved, tallies)
        return saved

    def _kept(self, saved: Case, stored: StoredCase) -> CaseItem:
        """The case item a save writes. It keeps the decisions no DECISION# item holds while it still
        fits one write unit; past that, those the stored version holds are archived first (one
        DECISION# item) and it keeps only this save's."""
        try:
            whole_log = case_item_for(self._case, saved, stored.archived)
            if item_bytes(whole_log) <= WRITE_UNIT_BYTES:
                return whole_log
        except CaseTooLarge:
            pass
        case_item = case_item_for(self._case, saved, stored.logged)
        archive(self._decision, saved.id, saved.decisions, stored.archived, stored.logged)
        return case_item

    def _whole(self, case: Case, archived: int, message: CaseMessage | None = None) -> CaseItem | None:
        """The case item with the whole classification (the decisions from `archived`, and `message`)
        if that fits one write unit, so that it needs no CLASSIFICATION (nor MSG#) item; None past that."""
        try:
            item = case_item_for(self._case, case, archived, whole=True, message=message)
        except CaseTooLarge:
            return None
        return item if item_bytes(item) <= WRITE_UNIT_BYTES else None

    def _stored(self, case_id: str) -> StoredCase | None:
        read = self._read(case_id, CLASSIFICATION)
        return None if read is None else read[0]

    def _lost(
        self, case: Case, claim: tuple[Agent, datetime] | None, exc: PynamoDBException | None
    ) -> Exception:
        """Why a save stored nothing: too large, held by someone else (a claim), or changed since read."""
        if exc is not None and too_large(exc):
            return CaseTooLarge(
                f"case {case.id} no longer fits one DynamoDB item (400 KB): {exc.cause_response_message}"
            )
        if claim is not None:
            holder = self._holder(case.id)
            if holder is not None:
                return CaseHeld(holder)
        return CaseConflict(f"case {case.id} changed since version {case.version}")

    def _links(self, was: Case, saved: Case) -> list[tuple[TableItem, Any, bool]]:
        """The threading items the save must change with the case: each conversation it takes or whose
        open state changes, the customer's OPEN# pointer when it opens or closes. Nothing when none of
        those moved. Each is (item, condition, whether it is deleted)."""
        writes: list[tuple[TableItem, Any, bool]] = []
        opens = saved.status.is_open != was.status.is_open
        for conversation in saved.conversation_ids:
            if opens or conversation not in was.conversation_ids:
                item = self._conversation(
                    f"CONV#{saved.brand_id}#{conversation}",
                    "CONV",
                    case_id=saved.id,
                    case_open=saved.status.is_open,
                )
                # Never take a conversation away from another open case.
                condition = (
                    self._conversation.pk.does_not_exist()
                    | (self._conversation.case_id == saved.id)
                    | (self._conversation.case_open == False)  # noqa: E712 - a PynamoDB condition
                )
                writes.append((item, condition, False))
        if opens:
            pointer = self._customer(self._customer_key(saved), f"OPEN#{saved.id}", case_id=saved.id)
            writes.append((pointer, None, not saved.status.is_open))
        return writes

    def _claim(self, tx: TransactWrite, case_id: str, agent: Agent, at: datetime) -> None:
        tx.save(
            self._assignment(case_pk(case_id), "ASSIGNMENT", agent_id=agent.id, assigned_at=at.isoformat()),
            condition=self._assignment.pk.does_not_exist(),
        )
        tx.update(
            self._agent(f"AGENT#{agent.brand_id}", f"AGENT#{agent.id}"),
            actions=[self._agent.open_cases.add(1), self._agent.last_assigned_at.set(at.isoformat())],
            condition=self._agent.pk.exists(),
        )

    def _count(self, case: Case, tallies: list[Tally]) -> None:
        if not tallies:
            return
        try:
            self._counters.add(case.brand_id, merged(tallies))
        except Exception:  # the case is stored: a report figure must not undo or fail the case's change
            logger.exception("report counters not updated", extra={"case_id": case.id})

    def _holder(self, case_id: str) -> str | None:
        try:
            return str(self._assignment.get(case_pk(case_id), "ASSIGNMENT", consistent_read=True).agent_id)
        except DoesNotExist:
            return None
