"""Cases in DynamoDB. Implements carebird.cases.ports.CaseStore (agents: carebird.storage.agents).

Item types (`<b>` brand id, `<case>` case id, `<conv>` X conversation id, `<cust>` customer's X id):

    entity         pk                   sk                   gsi1pk / gsi1sk           gsi2pk / gsi2sk
    case           CASE#<case>          CASE                 QUEUE#<b>#<queue> /       ASSIGNEE#<b>#<agent> /
                                                             <status>#<due>#<case>     <status>#<due>#<case>
    message        CASE#<case>          MSG#<iso time>#<id>  -                         -
    decision       CASE#<case>          DECISION#<n, 6 dig.> -                         -
    conversation   CONV#<b>#<conv>      CONV                 -                         -
    customer open  CUSTOMER#<b>#<cust>  OPEN#<case>          -                         -
    customer case  CUSTOMER#<b>#<cust>  CASE#<opened>#<case> -                         -
    agent          AGENT#<b>            AGENT#<agent>        -                         -
    assignment     CASE#<case>          ASSIGNMENT           -                         -

(Corrections and canned responses: carebird.storage.casework.)

Access patterns:
- a case: GetItem CASE#<case>/CASE (consistent). Its thread: Query CASE#<case>, sk begins_with MSG#.
- a queue's cases by status, soonest SLA first: Query gsi1 QUEUE#<b>#<queue>, sk begins_with <status>#.
- an agent's cases: Query gsi2 ASSIGNEE#<b>#<agent> (only assigned cases carry gsi2 keys).
- the open case of a conversation: GetItem CONV#<b>#<conv>, then the case. A conversation is claimed by
  the transaction that creates its case: `attribute_not_exists(pk) OR case_open = false`, so two first
  messages racing cannot make two open cases of one conversation.
- a customer's open case (a DM joins it): Query CUSTOMER#<b>#<cust>, sk begins_with OPEN#.
- a customer's cases, newest first (the inbox's customer panel): Query CUSTOMER#<b>#<cust>, sk
  begins_with CASE#, descending, limited. The item (status, opened, resolved) is written with the case in
  the same transaction, so it never disagrees with it.
- update a case: UpdateItem with `version = :expected` (optimistic locking); threading keys follow the
  case's status in the same transaction.
- a case's decisions: the case item keeps the newest DECISIONS_KEPT; older ones move to their own
  DECISION#<n> items (`decisions_archived` counts them), so no number of reassignments can grow the case
  past DynamoDB's 400 KB item limit. `get` reads them back: the Case carries its whole log.
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

from datetime import UTC, datetime

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, PutError, PynamoDBException, TransactWriteError
from pynamodb.transactions import TransactWrite

from carebird.cases.model import Agent, Case, CaseMessage, Decision, resolved_at
from carebird.cases.ports import CaseConflict, CaseHeld, CaseTooLarge, ConversationClaimed
from carebird.casework.model import EarlierCase
from carebird.observability import logger
from carebird.reports.ports import CounterWriter
from carebird.reports.tallies import Tally, case_tallies, merged, opened
from carebird.storage.case_items import (
    DECISIONS_KEPT,
    AgentItem,
    AssignmentItem,
    CaseItem,
    ConversationItem,
    CustomerCaseItem,
    CustomerOpenItem,
    DecisionItem,
    MessageItem,
    case_pk,
    due_key,
)
from carebird.storage.counters import DynamoReportCounters
from carebird.storage.table import bind, is_condition_failure


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
        self._agent = bind(AgentItem, table_name, host=host, region=region)
        self._assignment = bind(AssignmentItem, table_name, host=host, region=region)
        self._connection = Connection(host=host, region=region)

    # ------------------------------------------------------------------ reads
    def get(self, case_id: str) -> Case | None:
        """The case with its whole decision log, the archived part included."""
        try:
            item = self._case.get(case_pk(case_id), "CASE", consistent_read=True)
        except DoesNotExist:
            return None
        case = _case_from(item)
        archived = int(item.decisions_archived or 0)
        if not archived:
            return case
        older = tuple(
            Decision.model_validate_json(d.body)
            for d in self._decision.query(
                case_pk(case_id), self._decision.sk.startswith("DECISION#"), consistent_read=True
            )
        )
        return case.model_copy(update={"decisions": older[:archived] + case.decisions})

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
            f"CUSTOMER#{brand_id}#{customer_id}", self._customer.sk.startswith("OPEN#"), consistent_read=True
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
        items = self._customer_case.query(
            f"CUSTOMER#{brand_id}#{customer_id}",
            self._customer_case.sk.startswith("CASE#"),
            scan_index_forward=False,
            limit=limit,
        )
        return [
            EarlierCase(
                id=item.case_id,
                status=item.status,
                opened_at=datetime.fromisoformat(item.opened_at),
                resolved_at=datetime.fromisoformat(item.resolved_at) if item.resolved_at else None,
            )
            for item in items
        ]

    def messages(self, case_id: str) -> list[CaseMessage]:
        items = self._message.query(
            case_pk(case_id), self._message.sk.startswith("MSG#"), consistent_read=True
        )
        return [CaseMessage.model_validate_json(item.body) for item in items]

    def queue(
        self, brand_id: str, queue: str, status: str | None = None, limit: int | None = 100
    ) -> list[Case]:
        """The queue's cases (of one status), soonest due first within a status; `limit` None: all."""
        condition = self._case.gsi1sk.startswith(f"{status}#") if status else None
        items = self._case.by_queue.query(f"QUEUE#{brand_id}#{queue}", condition, limit=limit)
        return [_case_from(item) for item in items]

    def assigned_to(self, brand_id: str, agent_id: str, limit: int | None = None) -> list[Case]:
        """The open cases an agent holds, soonest due first within a status."""
        items = self._case.by_assignee.query(f"ASSIGNEE#{brand_id}#{agent_id}", limit=limit)
        return [_case_from(item) for item in items]

    # ------------------------------------------------------------------ writes
    def create(self, case: Case, message: CaseMessage) -> Case:
        existing = self.get(case.id)
        if existing is not None:
            return existing
        stored = case.model_copy(update={"version": 1, "tallied": len(case.decisions)})
        tallies = opened(case) + case_tallies(case.model_copy(update={"tallied": 0}))
        case_item = self._case_item(stored)
        try:
            with TransactWrite(connection=self._connection) as tx:
                tx.save(case_item, condition=self._case.pk.does_not_exist())
                tx.save(self._message_item(stored.id, message), condition=self._message.pk.does_not_exist())
                if stored.status.is_open:
                    for conversation in stored.conversation_ids:
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
                    customer_key = f"CUSTOMER#{stored.brand_id}#{stored.customer.id}"
                    tx.save(self._customer(customer_key, f"OPEN#{stored.id}", case_id=stored.id))
                tx.save(self._customer_case_item(stored))
        except TransactWriteError as exc:  # nothing was stored, so nothing is counted
            again = self.get(case.id)
            if again is not None:  # a concurrent attempt of the same step made it
                return again
            for conversation in case.conversation_ids:
                owner = self.open_case_for_conversation(case.brand_id, conversation)
                if owner is not None:
                    raise ConversationClaimed(owner.id) from exc
            raise
        self._count(stored, tallies)
        return stored

    def add_message(self, case: Case, message: CaseMessage) -> bool:
        try:
            self._message_item(case.id, message).save(condition=self._message.pk.does_not_exist())
        except PutError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def put_message(self, case_id: str, message: CaseMessage) -> None:
        """Write a message of the thread over its stored version (an outgoing message's delivery)."""
        self._message_item(case_id, message).save()

    def save(self, case: Case) -> Case:
        return self._save(case, None)

    def save_claimed(self, case: Case, agent: Agent, at: datetime) -> Case:
        """Save the case and give it to `agent` (its ASSIGNMENT, one more open case on the agent's
        record) in one transaction: both happen or neither. Raises CaseHeld if someone holds the case,
        CaseConflict if it changed since it was read, CaseTooLarge if it cannot be stored."""
        return self._save(case, (agent, at))

    def _save(self, case: Case, claim: tuple[Agent, datetime] | None) -> Case:
        saved = case.model_copy(update={"version": case.version + 1, "tallied": len(case.decisions)})
        tallies = case_tallies(case)
        archived = self._archive(saved)
        try:
            with TransactWrite(connection=self._connection) as tx:
                tx.save(self._case_item(saved, archived), condition=self._case.version == case.version)
                for conversation in saved.conversation_ids:
                    item = self._conversation(
                        f"CONV#{saved.brand_id}#{conversation}",
                        "CONV",
                        case_id=saved.id,
                        case_open=saved.status.is_open,
                    )
                    # Never take a conversation away from another open case.
                    tx.save(
                        item,
                        condition=self._conversation.pk.does_not_exist()
                        | (self._conversation.case_id == saved.id)
                        | (self._conversation.case_open == False),  # noqa: E712
                    )
                customer_key = (f"CUSTOMER#{saved.brand_id}#{saved.customer.id}", f"OPEN#{saved.id}")
                if saved.status.is_open:
                    tx.save(self._customer(*customer_key, case_id=saved.id))
                else:
                    tx.delete(self._customer(*customer_key))
                tx.save(self._customer_case_item(saved))
                if claim is not None:
                    agent, at = claim
                    tx.save(
                        self._assignment(
                            case_pk(saved.id), "ASSIGNMENT", agent_id=agent.id, assigned_at=at.isoformat()
                        ),
                        condition=self._assignment.pk.does_not_exist(),
                    )
                    tx.update(
                        self._agent(f"AGENT#{agent.brand_id}", f"AGENT#{agent.id}"),
                        actions=[
                            self._agent.open_cases.add(1),
                            self._agent.last_assigned_at.set(at.isoformat()),
                        ],
                        condition=self._agent.pk.exists(),
                    )
        except TransactWriteError as exc:
            if _too_large(exc):
                raise CaseTooLarge(
                    f"case {case.id} no longer fits one DynamoDB item (400 KB): {exc.cause_response_message}"
                ) from exc
            if claim is not None:
                holder = self._holder(saved.id)
                if holder is not None:
                    raise CaseHeld(holder) from exc
            raise CaseConflict(f"case {case.id} changed since version {case.version}") from exc
        self._count(saved, tallies)
        return saved

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

    def _archive(self, case: Case) -> int:
        """Move all but the newest DECISIONS_KEPT decisions to their own items; returns how many are
        archived. Decisions only ever append, so decision n is the same in every copy of the case: writing
        one again (a retried or conflicting save) writes what is already there."""
        try:
            stored = int(
                self._case.get(
                    case_pk(case.id), "CASE", consistent_read=True, attributes_to_get=["decisions_archived"]
                ).decisions_archived
                or 0
            )
        except DoesNotExist:
            stored = 0
        archived = max(stored, len(case.decisions) - DECISIONS_KEPT)
        if archived > stored:
            with self._decision.batch_write() as batch:
                for n in range(stored, archived):
                    batch.save(
                        self._decision(
                            case_pk(case.id), f"DECISION#{n:06d}", body=case.decisions[n].model_dump_json()
                        )
                    )
        return archived

    # ------------------------------------------------------------------ mapping
    def _case_item(self, case: Case, archived: int = 0) -> CaseItem:
        assigned = case.assignee is not None and case.status.is_open
        kept = case.model_copy(update={"decisions": case.decisions[archived:]})
        return self._case(
            case_pk(case.id),
            "CASE",
            body=kept.model_dump_json(),
            brand_id=case.brand_id,
            status=case.status.value,
            queue=case.queue,
            assignee=case.assignee,
            version=case.version,
            decisions_archived=archived,
            gsi1pk=f"QUEUE#{case.brand_id}#{case.queue}",
            gsi1sk=due_key(case),
            gsi2pk=f"ASSIGNEE#{case.brand_id}#{case.assignee}" if assigned else None,
            gsi2sk=due_key(case) if assigned else None,
        )

    def _customer_case_item(self, case: Case) -> CustomerCaseItem:
        opened = case.created_at.astimezone(UTC).isoformat()
        ended = resolved_at(case)
        return self._customer_case(
            f"CUSTOMER#{case.brand_id}#{case.customer.id}",
            f"CASE#{opened}#{case.id}",
            case_id=case.id,
            status=case.status.value,
            opened_at=opened,
            resolved_at=ended.astimezone(UTC).isoformat() if ended else None,
        )

    def _message_item(self, case_id: str, message: CaseMessage) -> MessageItem:
        sk = f"MSG#{message.created_at.astimezone(UTC).isoformat()}#{message.id}"
        return self._message(case_pk(case_id), sk, body=message.model_dump_json(), message_id=message.id)


def _too_large(exc: PynamoDBException) -> bool:
    reasons = getattr(exc, "cancellation_reasons", None) or []
    messages = [exc.cause_response_message or ""] + [r.message or "" for r in reasons if r is not None]
    return any("size" in m.lower() and "exceed" in m.lower() for m in messages)


def _case_from(item: CaseItem) -> Case:
    return Case.model_validate_json(item.body).model_copy(update={"version": int(item.version)})
