"""Agents and their assignments in DynamoDB (the layout is in carebird.storage.cases). Implements
carebird.cases.ports.AgentDirectory."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from carebird.cases.model import Agent
from carebird.storage.case_items import AgentItem, AssignmentItem, case_pk
from carebird.storage.table import bind


class DynamoAgentDirectory:
    def __init__(self, table_name: str, *, host: str | None = None, region: str | None = None) -> None:
        self._agent = bind(AgentItem, table_name, host=host, region=region)
        self._assignment = bind(AssignmentItem, table_name, host=host, region=region)
        self._connection = Connection(host=host, region=region)

    def put(self, agent: Agent) -> None:
        """Add or update an agent's profile; their current load is kept."""
        try:
            current = self._agent.get(f"AGENT#{agent.brand_id}", f"AGENT#{agent.id}", consistent_read=True)
            open_cases = int(current.open_cases)
        except DoesNotExist:
            open_cases = 0
        body = agent.model_dump(mode="json", exclude={"open_cases", "last_assigned_at"})
        self._agent(
            f"AGENT#{agent.brand_id}",
            f"AGENT#{agent.id}",
            body=json.dumps(body),
            open_cases=open_cases,
            capacity=agent.capacity,
        ).save()

    def agents(self, brand_id: str) -> list[Agent]:
        items = self._agent.query(
            f"AGENT#{brand_id}", self._agent.sk.startswith("AGENT#"), consistent_read=True
        )
        return [_agent_from(item) for item in items]

    def agent(self, brand_id: str, agent_id: str) -> Agent | None:
        try:
            item = self._agent.get(f"AGENT#{brand_id}", f"AGENT#{agent_id}", consistent_read=True)
        except DoesNotExist:
            return None
        return _agent_from(item)

    def holder(self, case_id: str) -> str | None:
        """The agent who holds the case, if anyone does."""
        try:
            return str(self._assignment.get(case_pk(case_id), "ASSIGNMENT", consistent_read=True).agent_id)
        except DoesNotExist:
            return None

    def take(self, agent: Agent, case_id: str, at: datetime) -> str:
        """An agent claims the case themselves: like `claim`, without the capacity check, since a person
        chose it. Returns the holder: `agent.id`, or whoever claimed it first."""
        held = self.holder(case_id)
        if held is not None:
            return held
        if self._assign(agent, case_id, at, self._agent.pk.exists()):
            return agent.id
        held = self.holder(case_id)
        if held is None:  # not a lost race: the agent's record is gone
            raise LookupError(f"no agent {agent.id} of brand {agent.brand_id}")
        return held

    def claim(self, agent: Agent, case_id: str, at: datetime) -> str | None:
        held = self.holder(case_id)
        if held is not None:
            return held
        if self._assign(agent, case_id, at, self._agent.open_cases < self._agent.capacity):
            return agent.id
        return self.holder(case_id)  # a concurrent attempt of the same step may have assigned it

    def _assign(self, agent: Agent, case_id: str, at: datetime, agent_condition: Any) -> bool:
        """The ASSIGNMENT record and the agent's count, in one transaction; False if either condition
        failed (the case is held, or `agent_condition` on the agent's record does not hold)."""
        agent_item = self._agent(f"AGENT#{agent.brand_id}", f"AGENT#{agent.id}")
        try:
            with TransactWrite(connection=self._connection) as tx:
                tx.save(
                    self._assignment(
                        case_pk(case_id), "ASSIGNMENT", agent_id=agent.id, assigned_at=at.isoformat()
                    ),
                    condition=self._assignment.pk.does_not_exist(),
                )
                tx.update(
                    agent_item,
                    actions=[
                        self._agent.open_cases.add(1),
                        self._agent.last_assigned_at.set(at.isoformat()),
                    ],
                    condition=agent_condition,
                )
        except TransactWriteError:
            return False
        return True

    def release(self, agent_id: str, case_id: str) -> None:
        try:
            held = self._assignment.get(case_pk(case_id), "ASSIGNMENT", consistent_read=True)
        except DoesNotExist:
            return
        if held.agent_id != agent_id:
            return
        brand_id = case_id.split("-", 1)[0]
        agent_item = self._agent(f"AGENT#{brand_id}", f"AGENT#{agent_id}")
        with TransactWrite(connection=self._connection) as tx:
            tx.delete(held, condition=self._assignment.agent_id == agent_id)
            tx.update(
                agent_item, actions=[self._agent.open_cases.add(-1)], condition=self._agent.open_cases > 0
            )


def _agent_from(item: AgentItem) -> Agent:
    data: dict[str, Any] = json.loads(item.body)
    data["open_cases"] = int(item.open_cases)
    data["last_assigned_at"] = item.last_assigned_at
    return Agent.model_validate(data)
