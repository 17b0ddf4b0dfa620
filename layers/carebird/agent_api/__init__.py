"""The agent API: the REST surface agents (and the terminal client) use to work their queues.

Served by the reply function behind API Gateway; routes are Powertools event-handler routes with
request validation, and the OpenAPI document is generated from them (GET /openapi?format=json).
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from carebird import __version__

API_TITLE = "carebird agent API"


def build_api() -> APIGatewayRestResolver:
    api = APIGatewayRestResolver(enable_validation=True)
    api.enable_swagger(
        path="/openapi",
        title=API_TITLE,
        version=__version__,
        description="Work the X support queues: cases, claims, replies, notes, reassignment, resolution.",
    )

    @api.get("/health", summary="Liveness of the agent API")
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return api
