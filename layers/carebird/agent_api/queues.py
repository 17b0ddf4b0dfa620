"""GET /queues: the caller's queues with their open, waiting and at-risk counts (polled by the inbox)."""

from __future__ import annotations

from carebird.agent_api.etag import conditional
from carebird.agent_api.routing import CONDITIONAL, NOT_MODIFIED, SECURED, AgentRouter, Services, errors
from carebird.agent_api.schemas import QueuesOut


def queues_router(services: Services) -> AgentRouter:
    router = AgentRouter(services)

    @router.get(
        "/queues",
        summary="Your queues with open count, oldest waiting and at-risk count",
        description=CONDITIONAL,
        tags=["queues"],
        security=SECURED,
        responses={**errors(403), 304: NOT_MODIFIED},
        middlewares=[conditional],
    )
    def queues() -> QueuesOut:
        p = router.principal()
        return QueuesOut(queues=services.casework().queues(p))

    return router
