"""The team view for supervisors: every queue's health, each agent's load, their availability, the alarms,
and the posts X sent that could not be read (quarantined by ingestion, so nobody who wrote goes unseen).

Agents get 403 from all of it. Moving a case between agents is case work's reassign (to an agent id).
"""

from __future__ import annotations

from carebird.casework.errors import Forbidden, NotFound
from carebird.casework.model import Principal
from carebird.casework.ports import CaseRepository
from carebird.casework.service import CaseWorkService
from carebird.ingest.model import IngestedMention
from carebird.team.model import AgentLoad, AlarmsOut, TeamOut, UnreadablePost, UnreadablePostsOut
from carebird.team.ports import AgentProfiles, AlarmSource, QuarantinedPosts


class TeamService:
    def __init__(
        self,
        casework: CaseWorkService,
        cases: CaseRepository,
        agents: AgentProfiles,
        alarms: AlarmSource,
        quarantine: QuarantinedPosts,
    ) -> None:
        self._casework = casework
        self._cases = cases
        self._agents = agents
        self._alarms = alarms
        self._quarantine = quarantine

    @staticmethod
    def _supervisor(p: Principal) -> None:
        if not p.is_supervisor:
            raise Forbidden("the team view is for supervisors")

    def team(self, p: Principal) -> TeamOut:
        self._supervisor(p)
        return TeamOut(
            queues=self._casework.queues(p),
            agents=[self._load(p.brand_id, a.id) for a in self._agents.agents(p.brand_id)],
        )

    def _load(self, brand_id: str, agent_id: str) -> AgentLoad:
        agent = self._agents.agent(brand_id, agent_id)
        if agent is None:
            raise NotFound(f"there is no agent {agent_id}")
        held = [c for c in self._cases.assigned_to(brand_id, agent_id) if c.status.is_open]
        current = max(held, key=lambda c: c.updated_at, default=None)
        return AgentLoad(
            agent_id=agent.id,
            name=agent.name,
            role=agent.role,
            available=agent.available,
            open_cases=len(held),
            capacity=agent.capacity,
            case_ids=[c.id for c in held],
            current_case=current.id if current else None,
        )

    def set_availability(self, p: Principal, agent_id: str, available: bool) -> AgentLoad:
        """Available agents get new cases from triage; an unavailable one keeps what they hold."""
        self._supervisor(p)
        agent = self._agents.agent(p.brand_id, agent_id)
        if agent is None:
            raise NotFound(f"there is no agent {agent_id}")
        if agent.available != available:
            self._agents.put(agent.model_copy(update={"available": available}))
        return self._load(p.brand_id, agent_id)

    def alarms(self, p: Principal) -> AlarmsOut:
        self._supervisor(p)
        return AlarmsOut(alarms=sorted(self._alarms.alarms(), key=lambda a: (a.state != "ALARM", a.name)))

    def unreadable_posts(self, p: Principal, limit: int = 50) -> UnreadablePostsOut:
        """The brand's posts X sent in a shape ingestion could not read, newest first."""
        self._supervisor(p)
        return UnreadablePostsOut(
            posts=[_unreadable(m) for m in self._quarantine.list_unreadable(p.brand_id, limit)]
        )


def _unreadable(stored: IngestedMention) -> UnreadablePost:
    post = stored.mention
    return UnreadablePost(
        id=post.id,
        # The adapter keeps the author's id when X sent a numeric one, and "0" when it did not.
        author_id=post.author.id if post.author.id not in ("", "0") else None,
        received_at=stored.ingested_at,
        reason=post.unreadable or "",
        raw=post.text,
    )
