"""What every router of the agent API shares: the services behind the routes, who is calling, and the
OpenAPI pieces (security, error responses, the case id) the routes repeat.

Each resource's module (cases, case_actions, replies, ...) builds a fresh `AgentRouter` from the
`Services` that build_api is given, and build_api includes it. Routers are made per build_api, not once
at import: Powertools' Router reads the request (current_event, lambda_context, context) through the
last resolver that included it, so one module-level router shared by two resolvers (the tests build
many, each on its own fakes) would answer one resolver's request with another's event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from carebird.agent_api.idempotency import Once
from carebird.agent_api.schemas import CASE_ID, ErrorOut
from carebird.casework.errors import UnknownAgent
from carebird.casework.model import Principal

if TYPE_CHECKING:
    from carebird.casework.service import CaseWorkService
    from carebird.reports.service import ReportService
    from carebird.team.service import TeamService

SECURITY_SCHEME = "cognito"
# Every route but /health, /openapi and the inbox page's files needs an agent's token.
SECURED: list[dict[str, list[str]]] = [{SECURITY_SCHEME: []}]


@dataclass(frozen=True)
class Services:
    """What the routes call, each built on first use: carebird.wiring.agent_api, or a test's fakes."""

    casework: Callable[[], CaseWorkService]
    once: Callable[[], Once]
    reports: Callable[[], ReportService]
    team: Callable[[], TeamService]


class AgentRouter(APIGatewayHttpRouter):
    """A Powertools router for one resource, with the services behind it and the caller's identity."""

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services

    def principal(self) -> Principal:
        """The calling agent, from the ID token's claims API Gateway's JWT authorizer passed on; their role
        and queues come from the agent's record (carebird.casework). The authorizer takes any token the
        pool signed for the app client: an access token names no agent (`username`, no brand) and is
        refused here like a missing one."""
        claims = self.current_event.request_context.authorizer.jwt_claim
        agent_id = claims.get("cognito:username")
        brand_id = claims.get("custom:brand_id")
        if not agent_id or not brand_id:
            raise UnknownAgent(
                "the token names no agent and brand (cognito:username, custom:brand_id): send the ID token"
            )
        return self.services.casework().principal(str(brand_id), str(agent_id))


def errors(*codes: int) -> dict[int, Any]:
    """The OpenAPI responses of the case work's refusals, each with the error envelope's schema."""
    described = {
        401: "no valid token (answered by API Gateway)",
        403: "the case is in a queue you do not work, or the action needs a supervisor",
        404: "no such case (or canned response)",
        409: "the case's state or claim does not allow it; claimed_by_other names the holder",
        422: "the request is malformed, or cannot be carried out as asked",
    }
    return error_responses({code: described[code] for code in codes})


def error_responses(described: dict[int, str]) -> dict[int, Any]:
    return {
        code: {"description": text, "content": {"application/json": {"model": ErrorOut}}}
        for code, text in described.items()
    }


CONDITIONAL = (
    "Answers with a weak ETag; send it back in If-None-Match to get 304 and no body while nothing has "
    "changed but the passing of time (seconds_left and oldest_waiting_seconds are left out of the tag)."
)
NOT_MODIFIED: Any = {"description": "not modified since the ETag in If-None-Match"}

CaseId = Annotated[str, Path(pattern=CASE_ID, description="the case's id, e.g. 1000-t1790000000000000001")]
