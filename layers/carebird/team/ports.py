"""What the team view needs beyond case work's ports. carebird.adapters.aws.alarms implements AlarmSource with
CloudWatch (on AWS, and locally where the stack's evaluator keeps moto's alarm states)."""

from __future__ import annotations

from typing import Protocol

from carebird.cases.model import Agent
from carebird.ingest.model import IngestedMention
from carebird.team.model import AlarmState


class AlarmSource(Protocol):
    def alarms(self) -> list[AlarmState]:
        """The stack's alarms with their current state."""
        ...


class AgentProfiles(Protocol):
    def agents(self, brand_id: str) -> list[Agent]: ...

    def agent(self, brand_id: str, agent_id: str) -> Agent | None: ...

    def put(self, agent: Agent) -> None:
        """Store the agent's profile; their current load is kept."""
        ...


class QuarantinedPosts(Protocol):
    """carebird.storage.ingest's DynamoIngestStore: the brand's unreadable posts from its sparse index."""

    def list_unreadable(self, brand_id: str, limit: int = 50) -> list[IngestedMention]:
        """The brand's posts stored with status unreadable, newest first."""
        ...
