"""The agent API: the REST surface agents (and the terminal client) use to work their queues.

Served by the agent API function (template.yaml: AgentApiFunction, code in functions/reply) behind API
Gateway. Its routes are Powertools routers, one module per resource, with request validation; the OpenAPI
document is generated from them (GET /openapi?format=json):

meta            GET /health, GET /me
queues          GET /queues
cases           GET /cases, GET /cases/{id}, claim, unclaim
replies         POST /cases/{id}/replies, POST /cases/{id}/replies/preview
agents          GET /agents
case_actions    presence, notes, reassign, resolve (one or a batch), like, follow, reopen,
                GET /closed-automatically and restore
canned          /canned-responses
reports         /reports/... (supervisors)
team            GET /team, PUT /agents/{id}/availability, GET /alarms, GET /unreadable-posts (supervisors)
inbox           GET /inbox/...: the agent inbox's web page, outside the OpenAPI document

API Gateway serves it as an HTTP API (payload format 2.0). Every route but /health, /openapi and the inbox
page sits behind its JWT authorizer on the agents' user pool, which passes the ID token's claims in
requestContext.authorizer.jwt.claims: `cognito:username` is the agent id and `custom:brand_id` their brand
(carebird.agent_api.routing). Their role and queues are read from the agent's
record at each request (carebird.casework.service). The routes only translate HTTP to `CaseWorkService`
calls and back; errors become JSON bodies `{"error": {"code", "message", ...}}` (carebird.agent_api.errors).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from re import Pattern
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, content_types
from aws_lambda_powertools.utilities.typing import LambdaContext

from carebird import __version__
from carebird.agent_api.agents import agents_router
from carebird.agent_api.bodies import BodyRefused, body_refusal, strict_json
from carebird.agent_api.canned import canned_router
from carebird.agent_api.case_actions import case_actions_router
from carebird.agent_api.cases import cases_router
from carebird.agent_api.errors import install_error_handlers
from carebird.agent_api.idempotency import Once
from carebird.agent_api.inbox import InboxProvider, inbox_router
from carebird.agent_api.meta import meta_router
from carebird.agent_api.queues import queues_router
from carebird.agent_api.replies import replies_router
from carebird.agent_api.reports import reports_router
from carebird.agent_api.routing import SECURITY_SCHEME, AgentRouter, Services
from carebird.agent_api.team import team_router

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.openapi.models import OpenAPI, SecurityScheme

    from carebird.casework.service import CaseWorkService
    from carebird.reports.service import ReportService
    from carebird.team.service import TeamService

API_TITLE = "carebird agent API"

ServiceProvider = Callable[[], "CaseWorkService"]
OnceProvider = Callable[[], Once]
ReportsProvider = Callable[[], "ReportService"]
TeamProvider = Callable[[], "TeamService"]

# In the order they were first written: Powertools matches static paths before dynamic ones, each in this
# order, and lists them so in the OpenAPI document.
ROUTERS: tuple[Callable[[Services], AgentRouter], ...] = (
    meta_router,
    queues_router,
    cases_router,
    replies_router,
    agents_router,
    case_actions_router,
    canned_router,
    reports_router,
    team_router,
)


class AgentApiResolver(APIGatewayHttpResolver):
    """Refuses a body no route should parse (too large, not JSON) before routing, as a JSON 4xx; matches a
    path with or without a trailing slash, as API Gateway routes it (/v1/inbox/ reaches GET /inbox); the
    OpenAPI document declares the agents' token as its security scheme."""

    def get_openapi_schema(self, **kwargs: Any) -> OpenAPI:
        # The scheme is one of Powertools' OpenAPI models, which only the document needs: built here, they
        # load with GET /openapi rather than with every cold start (make bench-coldstart: about a tenth of
        # the agent API's import). Request validation does not use them.
        if not kwargs.get("security_schemes"):
            kwargs["security_schemes"] = security_schemes()
        return super().get_openapi_schema(**kwargs)

    # What Powertools' APIGatewayRestResolver does (its issue #1552); its HTTP API resolver matches exactly.
    @staticmethod
    def _compile_regex(rule: str, base_regex: str = "^{}$") -> Pattern[str]:
        return APIGatewayHttpResolver._compile_regex(rule, "^{}/*$")

    def resolve(self, event: Mapping[str, Any], context: LambdaContext) -> dict[str, Any]:
        refused = body_refusal(event)
        if refused is None:
            return super().resolve(event, context)
        return _refusal(refused)


def security_schemes() -> dict[str, SecurityScheme]:
    from aws_lambda_powertools.event_handler.openapi.models import APIKey

    return {
        SECURITY_SCHEME: APIKey.model_validate(
            {"name": "Authorization", "in": "header", "description": "an agent's Cognito ID token"}
        )
    }


def _refusal(refused: BodyRefused) -> dict[str, Any]:
    body = json.dumps({"error": {"code": refused.code, "message": refused.message}})
    # A payload format 2.0 response: HTTP APIs read `headers` (and `cookies`), never multiValueHeaders.
    return {
        "statusCode": refused.status,
        "headers": {"Content-Type": content_types.APPLICATION_JSON},
        "body": body,
        "isBase64Encoded": False,
    }


def build_api(
    *,
    service: ServiceProvider,
    once: OnceProvider,
    reports: ReportsProvider,
    team: TeamProvider,
    inbox: InboxProvider | None = None,
) -> APIGatewayHttpResolver:
    """The resolver with every router included; each service is built on its first use, by the provider
    the caller gives (the function's wiring, carebird.wiring.agent_api, or a test's fakes)."""
    api = AgentApiResolver(enable_validation=True, json_body_deserializer=strict_json)
    api.configure_openapi(
        title=API_TITLE,
        version=__version__,
        description=(
            "Work the X support queues: cases, claims, replies, notes, reassignment, resolution. Every "
            "operation except /health and /openapi needs an agent's Cognito ID token in the Authorization "
            "header (`carebird agent token`)."
        ),
    )
    api.enable_swagger(path="/openapi")
    install_error_handlers(api)
    if inbox is not None:  # the agent inbox's web page (carebird.agent_api.inbox), outside the OpenAPI
        api.include_router(inbox_router(inbox))
    services = Services(casework=service, once=once, reports=reports, team=team)
    for router in ROUTERS:
        api.include_router(router(services))
    return api
