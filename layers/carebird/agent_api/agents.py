"""GET /agents: the brand's agents and supervisors, for the reassign picker. Supervisors change an
agent's availability through the team routes (carebird.agent_api.team)."""

from __future__ import annotations

from carebird.agent_api.routing import SECURED, AgentRouter, Services, errors
from carebird.agent_api.schemas import AgentsOut


def agents_router(services: Services) -> AgentRouter:
    router = AgentRouter(services)

    @router.get(
        "/agents",
        summary="Your brand's agents and supervisors: availability, skills, load (the reassign picker)",
        tags=["agents"],
        security=SECURED,
        responses=errors(403),
    )
    def agents() -> AgentsOut:
        return AgentsOut(agents=services.casework().agent_list(router.principal()))

    return router
