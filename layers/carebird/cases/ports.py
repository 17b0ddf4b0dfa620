"""The case store and the agent directory, shared by triage, casework, follow-up and the agent API, and
the errors they declare. Adapters: carebird.storage.cases (DynamoDB), tests' fakes.

Triage's own ports are in carebird.triage.ports, the SLA watch's in carebird.sla.ports."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from carebird.cases.model import Agent, Case, CaseMessage


class CaseNotFound(LookupError):
    """No case has this id (a workflow step names a case that is gone)."""


class CaseConflict(Exception):
    """The case changed since it was read (optimistic locking); read it again and retry."""


class CaseTooLarge(Exception):
    """The case no longer fits one stored item (DynamoDB's 400 KB): not a conflict, retrying cannot help."""


class CaseHeld(Exception):
    """Someone holds the case already (its assignment exists); `holder` names them."""

    def __init__(self, holder: str) -> None:
        super().__init__(holder)
        self.holder = holder


class ConversationClaimed(Exception):
    """Another case already owns this conversation (two first messages raced); thread into it instead."""

    def __init__(self, case_id: str) -> None:
        super().__init__(case_id)
        self.case_id = case_id


class CaseStore(Protocol):
    def get(self, case_id: str) -> Case | None: ...

    def open_case_for_conversation(self, brand_id: str, conversation_id: str) -> Case | None: ...

    def open_case_for_customer(self, brand_id: str, customer_id: str) -> Case | None: ...

    def create(self, case: Case, message: CaseMessage) -> Case:
        """Store a new case with its first message and its threading keys, atomically.

        Idempotent: if a case with this id exists, return it. Raises ConversationClaimed when one of
        the case's conversations already belongs to another open case.
        """
        ...

    def add_message(self, case: Case, message: CaseMessage) -> bool:
        """Append a message to the case's thread; False if it was there already (a retried step)."""
        ...

    def save(self, case: Case) -> Case:
        """Write the case if its stored version is `case.version`; returns it with the next version.

        Raises CaseConflict otherwise, CaseTooLarge if it cannot be stored. Keeps the threading keys in
        step with the case's status. `case` must have been read with `get` (it carries every decision)."""
        ...

    def keep_watch_token(self, case_id: str, clock: str, key: str, task_token: str) -> None:
        """Keep the task token of the SLA watch waiting on the case's clock, under `key` (its watch_key),
        in an item of its own: stored before the case says it is watched (Case.watched), so whoever sees
        that finds the token. Writing it again writes the same item."""
        ...

    def watch_token(self, case_id: str, clock: str, key: str) -> str | None:
        """The task token kept under `key` for the case's clock (a consistent read); None if there is none."""
        ...


class AgentDirectory(Protocol):
    def agents(self, brand_id: str) -> list[Agent]: ...

    def claim(self, agent: Agent, case_id: str, at: datetime) -> str | None:
        """Assign the case to the agent if they still have capacity, atomically with the capacity count.

        Returns the id of the agent who holds the case: `agent.id` when this call assigned it, another
        id when an earlier attempt already assigned it (a retried step), None when `agent` is full."""
        ...

    def release(self, agent_id: str, case_id: str) -> None:
        """Give back the capacity the case took (it was resolved, closed or reassigned)."""
        ...
