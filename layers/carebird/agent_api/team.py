"""The team routes for supervisors: GET /team, PUT /agents/{id}/availability, GET /alarms,
GET /unreadable-posts. Moving a case between agents is POST /cases/{id}/reassign with `agent_id`."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import BaseModel, ConfigDict

from carebird.agent_api.routing import SECURED, AgentRouter, Services, error_responses
from carebird.agent_api.schemas import AGENT_ID
from carebird.team.model import AgentLoad, AlarmsOut, TeamOut, UnreadablePostsOut


class AvailabilityBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    available: bool


def _errors(*codes: int) -> dict[int, Any]:
    described = {
        403: "you are not a supervisor",
        404: "no such agent",
        422: "the request is malformed",
    }
    return error_responses({code: described[code] for code in codes})


def team_router(services: Services) -> AgentRouter:
    router = AgentRouter(services)

    @router.get(
        "/team",
        summary="Every queue's health and each agent's load, availability and current case (supervisors)",
        tags=["team"],
        security=SECURED,
        responses=_errors(403),
    )
    def get_team() -> TeamOut:
        return services.team().team(router.principal())

    @router.put(
        "/agents/<agent_id>/availability",
        summary="Set an agent available for new cases, or not (supervisors)",
        tags=["team"],
        security=SECURED,
        responses=_errors(403, 404, 422),
    )
    def put_availability(
        agent_id: Annotated[str, Path(pattern=AGENT_ID)], body: AvailabilityBody
    ) -> AgentLoad:
        return services.team().set_availability(router.principal(), agent_id, body.available)

    @router.get(
        "/alarms",
        summary="The stack's alarms and their states (supervisors)",
        tags=["team"],
        security=SECURED,
        responses=_errors(403),
    )
    def get_alarms() -> AlarmsOut:
        return services.team().alarms(router.principal())

    @router.get(
        "/unreadable-posts",
        summary="Posts X sent that could not be read, stored raw with the reason, newest first (supervisors)",
        tags=["team"],
        security=SECURED,
        # Powertools drops the return type's 200 once `responses` is given, so it is named here.
        responses={
            200: {
                "description": "the brand's quarantined posts",
                "content": {"application/json": {"model": UnreadablePostsOut}},
            },
            **_errors(403, 422),
        },
    )
    def get_unreadable_posts(limit: Annotated[int, Query(ge=1, le=200)] = 50) -> UnreadablePostsOut:
        return services.team().unreadable_posts(router.principal(), limit)

    return router
