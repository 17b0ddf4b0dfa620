"""The brand's canned responses (reply templates): everyone reads them, supervisors change them."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from carebird.agent_api.routing import SECURED, AgentRouter, Services, errors
from carebird.agent_api.schemas import CANNED_ID, CannedBody, CannedOut, CannedResponse

CannedId = Annotated[str, Path(pattern=CANNED_ID)]


def canned_router(services: Services) -> AgentRouter:
    router = AgentRouter(services)

    @router.get(
        "/canned-responses",
        summary="The brand's reply templates",
        tags=["canned responses"],
        security=SECURED,
        responses=errors(403),
    )
    def list_canned() -> CannedOut:
        return CannedOut(canned_responses=services.casework().canned_responses(router.principal()))

    @router.put(
        "/canned-responses/<response_id>",
        summary="Create or change a template (supervisors)",
        tags=["canned responses"],
        security=SECURED,
        responses=errors(403, 422),
    )
    def put_canned(response_id: CannedId, body: CannedBody) -> CannedResponse:
        return services.casework().put_canned_response(router.principal(), response_id, body.title, body.text)

    @router.delete(
        "/canned-responses/<response_id>",
        summary="Delete a template (supervisors)",
        tags=["canned responses"],
        security=SECURED,
        responses=errors(403, 404, 422),
    )
    def delete_canned(response_id: CannedId) -> Response[None]:
        services.casework().delete_canned_response(router.principal(), response_id)
        return Response(status_code=204, content_type=None, body=None)

    return router
