"""The case store's items in the single table (the layout is in carebird.storage.cases): the case, its
messages and archived decisions, the conversation and customer pointers, agents and their assignments."""

from __future__ import annotations

from datetime import UTC

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute

from carebird.cases.model import Case
from carebird.storage.table import Gsi1, Gsi2, TableItem

# Decisions kept in the case item itself (the newest); each older one is an item of its own.
DECISIONS_KEPT = 25


def case_pk(case_id: str) -> str:
    return f"CASE#{case_id}"


class CaseItem(TableItem):
    body = UnicodeAttribute()  # the Case as JSON: one schema, owned by the domain model
    brand_id = UnicodeAttribute()
    status = UnicodeAttribute()
    queue = UnicodeAttribute()
    assignee = UnicodeAttribute(null=True)
    version = NumberAttribute()
    decisions_archived = NumberAttribute(default=0)  # decisions 0..n-1 are DECISION# items
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    by_queue = Gsi1()
    by_assignee = Gsi2()


class MessageItem(TableItem):
    body = UnicodeAttribute()
    message_id = UnicodeAttribute()


class DecisionItem(TableItem):
    body = UnicodeAttribute()


class ConversationItem(TableItem):
    case_id = UnicodeAttribute()
    case_open = BooleanAttribute()


class CustomerOpenItem(TableItem):
    case_id = UnicodeAttribute()


class CustomerCaseItem(TableItem):
    case_id = UnicodeAttribute()
    status = UnicodeAttribute()
    opened_at = UnicodeAttribute()
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
    due = case.first_response_due or case.created_at
    return f"{case.status.value}#{due.astimezone(UTC).isoformat()}#{case.id}"
