"""Who is asking and what they may see.

An agent works the queues of their skills (a skill's queue in the brand's triage config, or a queue named
directly among their skills, such as "triage"); a supervisor works every queue of the brand. A case of
another brand does not exist for them (404); a case in a queue they do not work is 403.
"""

from __future__ import annotations

from carebird.brands.desk import TriageConfig
from carebird.cases.model import Agent, Case
from carebird.casework.context import CaseWorkContext
from carebird.casework.errors import ClaimedByOther, Forbidden, NotFound, UnknownAgent
from carebird.casework.model import Principal


def queues_of(agent: Agent, config: TriageConfig) -> frozenset[str]:
    """The queues an agent works: those of their skills, and queues named among their skills."""
    if agent.role == "supervisor":
        return frozenset(config.queues)
    queues = {config.skills[s].queue for s in agent.skills if s in config.skills}
    queues |= {s for s in agent.skills if s in config.queues}
    return frozenset(queues)


class Access:
    def __init__(self, ctx: CaseWorkContext) -> None:
        self.ctx = ctx

    def principal(self, brand_id: str, agent_id: str) -> Principal:
        agent = self.ctx.agents.agent(brand_id, agent_id)
        if agent is None:
            raise UnknownAgent(
                f"there is no agent {agent_id} for this brand; a supervisor adds agents with "
                "`carebird agent add`"
            )
        return Principal(
            agent_id=agent.id,
            brand_id=brand_id,
            role=agent.role,
            name=agent.name,
            queues=queues_of(agent, self.config(brand_id)),
        )

    def config(self, brand_id: str) -> TriageConfig:
        """The brand's queues, skills and calendars."""
        brand = self.ctx.brands.get_brand(brand_id)
        if brand is None:
            raise UnknownAgent(f"brand {brand_id} is not registered")
        return brand.config.triage

    def visible(self, p: Principal, case_id: str) -> Case:
        """The case, if `p` may work it: NotFound for another brand's (or no) case, Forbidden for a
        queue they do not work."""
        case = self.ctx.cases.get(case_id)
        if case is None or case.brand_id != p.brand_id:
            raise NotFound(f"there is no case {case_id}")
        if not p.works(case.queue):
            raise Forbidden(f"case {case_id} is in queue {case.queue}, which you do not work")
        return case

    def agent(self, p: Principal) -> Agent:
        agent = self.ctx.agents.agent(p.brand_id, p.agent_id)
        if agent is None:
            raise UnknownAgent(f"there is no agent {p.agent_id} for this brand")
        return agent

    def claimed_by(self, brand_id: str, case_id: str, holder: str) -> ClaimedByOther:
        """The refusal naming who holds the case, by their display name where they have one."""
        agent = self.ctx.agents.agent(brand_id, holder)
        return ClaimedByOther(case_id, holder, agent.name if agent is not None and agent.name else None)
