"""The team view as the API returns it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from carebird.casework.model import QueueSummary


class AlarmState(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    state: str = Field(description="OK | ALARM | INSUFFICIENT_DATA")
    reason: str = ""
    metric: str | None = None
    updated_at: datetime | None = None
    description: str = ""


class AgentLoad(BaseModel):
    model_config = ConfigDict(frozen=True)

    agent_id: str
    name: str
    role: str
    available: bool
    open_cases: int = Field(description="open cases the agent holds")
    capacity: int
    case_ids: list[str] = Field(description="the open cases they hold, soonest due first")
    current_case: str | None = Field(description="the case they most recently worked on, if they hold any")


class TeamOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    queues: list[QueueSummary]
    agents: list[AgentLoad]


class AlarmsOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    alarms: list[AlarmState]


class UnreadablePost(BaseModel):
    """A post X sent that the mentions adapter could not read: stored raw, never triaged, shown here so a
    person sees every customer who wrote (and can answer them on X by hand)."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="the post's id on X")
    author_id: str | None = Field(description="X's id of the author, when the post named a readable one")
    received_at: datetime = Field(description="when carebird stored it")
    reason: str = Field(description="why the adapter could not read it")
    raw: str = Field(description="the post as X sent it (JSON), as text")


class UnreadablePostsOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    posts: list[UnreadablePost] = Field(description="newest first")
