"""GET /health (no token) and GET /me: is the API up, and who the token belongs to."""

from __future__ import annotations

from carebird import __version__
from carebird.agent_api.routing import SECURED, AgentRouter, Services, errors
from carebird.agent_api.schemas import Health, Me


def meta_router(services: Services) -> AgentRouter:
    router = AgentRouter(services)

    @router.get("/health", summary="Liveness of the agent API", tags=["meta"])
    def health() -> Health:
        return Health(status="ok", version=__version__)

    @router.get(
        "/me",
        summary="Who the token belongs to: agent, role, queues",
        tags=["meta"],
        security=SECURED,
        responses=errors(403),
    )
    def me() -> Me:
        p = router.principal()
        return Me(agent_id=p.agent_id, brand_id=p.brand_id, name=p.name, role=p.role, queues=sorted(p.queues))

    return router
