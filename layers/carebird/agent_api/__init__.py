"""The agent API: the REST surface agents (and the terminal client) use to work their queues.

Served by the reply function behind API Gateway; routes are Powertools event-handler routes with
request validation, and the OpenAPI document is generated from them (GET /openapi?format=json).

Every route but /health and /openapi sits behind API Gateway's Cognito authorizer, which passes the
token's claims in requestContext.authorizer.claims: `cognito:username` is the agent id and
`custom:brand_id` their brand. Their role and queues are read from the agent's record at each request
(carebird.casework.service). The routes only translate HTTP to `CaseWorkService` calls and back; errors
become JSON bodies `{"error": {"code", "message", ...}}` (carebird.agent_api.errors).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.models import APIKey
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from carebird import __version__
from carebird.agent_api.bodies import BodyRefused, body_refusal, strict_json
from carebird.agent_api.errors import error_response, install_error_handlers
from carebird.agent_api.etag import conditional
from carebird.agent_api.idempotency import NotFinal, Once
from carebird.agent_api.inbox import InboxProvider, inbox_router
from carebird.agent_api.reports import reports_router
from carebird.agent_api.schemas import (
    AGENT_ID,
    CANNED_ID,
    CASE_ID,
    IDEMPOTENCY_KEY,
    QUEUE,
    AgentsOut,
    BatchResolveBody,
    BatchResolveOut,
    CannedBody,
    CannedOut,
    CannedResponse,
    CaseOut,
    CasesOut,
    CaseSummaryOut,
    ClosedCaseOut,
    ClosedCasesOut,
    CustomerDetailOut,
    DecisionOut,
    ErrorOut,
    FollowOut,
    Health,
    LikeOut,
    Me,
    MessageOut,
    NoteBody,
    PresenceBody,
    PresenceOut,
    PreviewBody,
    QueuesOut,
    ReasonBody,
    ReassignBody,
    ReplyBody,
    ReplyPreview,
    ReplyView,
)
from carebird.agent_api.team import team_router
from carebird.cases.model import CaseStatus, Channel
from carebird.casework.errors import UnknownAgent
from carebird.casework.model import CaseDetail, Principal, ReplyRequest

if TYPE_CHECKING:
    from carebird.casework.service import CaseWorkService
    from carebird.reports.service import ReportService
    from carebird.team.service import TeamService

API_TITLE = "carebird agent API"
SECURITY_SCHEME = "cognito"

ServiceProvider = Callable[[], "CaseWorkService"]
OnceProvider = Callable[[], Once]
ReportsProvider = Callable[[], "ReportService"]
TeamProvider = Callable[[], "TeamService"]


def _default_service() -> CaseWorkService:
    from carebird.wiring.agent_api import case_work_service

    return case_work_service()


def _default_once() -> Once:
    from carebird.wiring.agent_api import idempotency

    return idempotency()


def _default_reports() -> ReportService:
    from carebird.wiring.agent_api import report_service

    return report_service()


def _default_team() -> TeamService:
    from carebird.wiring.agent_api import team_service

    return team_service()


def _errors(*codes: int) -> dict[int, Any]:
    described = {
        401: "no valid token (answered by API Gateway)",
        403: "the case is in a queue you do not work, or the action needs a supervisor",
        404: "no such case (or canned response)",
        409: "the case's state or claim does not allow it; claimed_by_other names the holder",
        422: "the request is malformed, or cannot be carried out as asked",
    }
    return {
        code: {"description": described[code], "content": {"application/json": {"model": ErrorOut}}}
        for code in codes
    }


CONDITIONAL = (
    "Answers with a weak ETag; send it back in If-None-Match to get 304 and no body while nothing has "
    "changed but the passing of time (seconds_left and oldest_waiting_seconds are left out of the tag)."
)
NOT_MODIFIED: Any = {"description": "not modified since the ETag in If-None-Match"}

CaseId = Annotated[str, Path(pattern=CASE_ID, description="the case's id, e.g. 1000-t1790000000000000001")]


class AgentApiResolver(APIGatewayRestResolver):
    """Refuses a body no route should parse (too large, not JSON) before routing, as a JSON 4xx."""

    def resolve(self, event: Mapping[str, Any], context: LambdaContext) -> dict[str, Any]:
        refused = body_refusal(event)
        if refused is None:
            return super().resolve(event, context)
        return _refusal(refused)


def _refusal(refused: BodyRefused) -> dict[str, Any]:
    body = json.dumps({"error": {"code": refused.code, "message": refused.message}})
    headers = {"Content-Type": content_types.APPLICATION_JSON}
    return {
        "statusCode": refused.status,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "body": body,
        "isBase64Encoded": False,
    }


def build_api(
    service: ServiceProvider = _default_service,
    once: OnceProvider = _default_once,
    reports: ReportsProvider = _default_reports,
    team: TeamProvider = _default_team,
    inbox: InboxProvider | None = None,
) -> APIGatewayRestResolver:
    api = AgentApiResolver(enable_validation=True, json_body_deserializer=strict_json)
    api.configure_openapi(
        title=API_TITLE,
        version=__version__,
        description=(
            "Work the X support queues: cases, claims, replies, notes, reassignment, resolution. Every "
            "operation except /health and /openapi needs an agent's Cognito ID token in the Authorization "
            "header (`carebird agent token`)."
        ),
        security_schemes={
            SECURITY_SCHEME: APIKey.model_validate(
                {"name": "Authorization", "in": "header", "description": "an agent's Cognito ID token"}
            )
        },
    )
    api.enable_swagger(path="/openapi")
    install_error_handlers(api)
    if inbox is not None:  # the agent inbox's web page (carebird.agent_api.inbox), outside the OpenAPI
        api.include_router(inbox_router(inbox))
    secured: list[dict[str, list[str]]] = [{SECURITY_SCHEME: []}]

    def principal() -> Principal:
        claims = api.current_event.request_context.authorizer.claims
        agent_id = claims.get("cognito:username")
        brand_id = claims.get("custom:brand_id")
        if not agent_id or not brand_id:
            raise UnknownAgent("the token names no agent and brand (cognito:username, custom:brand_id)")
        return service().principal(str(brand_id), str(agent_id))

    @api.get("/health", summary="Liveness of the agent API", tags=["meta"])
    def health() -> Health:
        return Health(status="ok", version=__version__)

    @api.get(
        "/me",
        summary="Who the token belongs to: agent, role, queues",
        tags=["meta"],
        security=secured,
        responses=_errors(403),
    )
    def me() -> Me:
        p = principal()
        return Me(agent_id=p.agent_id, brand_id=p.brand_id, name=p.name, role=p.role, queues=sorted(p.queues))

    @api.get(
        "/queues",
        summary="Your queues with open count, oldest waiting and at-risk count",
        description=CONDITIONAL,
        tags=["queues"],
        security=secured,
        responses={**_errors(403), 304: NOT_MODIFIED},
        middlewares=[conditional],
    )
    def queues() -> QueuesOut:
        p = principal()
        return QueuesOut(queues=service().queues(p))

    @api.get(
        "/cases",
        summary="Cases in your queues, soonest SLA due first",
        description=CONDITIONAL,
        tags=["cases"],
        security=secured,
        responses={**_errors(403, 404, 422), 304: NOT_MODIFIED},
        middlewares=[conditional],
    )
    def list_cases(
        queue: Annotated[
            str | None, Query(pattern=QUEUE, description="one queue (default: all of yours)")
        ] = None,
        status: Annotated[CaseStatus | None, Query(description="default: every open status")] = None,
        assignee: Annotated[str | None, Query(pattern=AGENT_ID, description="an agent id, or `me`")] = None,
        q: Annotated[
            str | None,
            Query(
                min_length=1,
                max_length=100,
                description="search: the customer's @handle or name, or the text of their messages "
                "(case-insensitive)",
            ),
        ] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> CasesOut:
        p = principal()
        found = service().list_cases(p, queue=queue, status=status, assignee=assignee, q=q, limit=limit)
        return CasesOut(cases=[CaseSummaryOut.of(c) for c in found])

    @api.get(
        "/cases/<case_id>",
        summary="One case: thread, customer, classification and reasons, SLA clock, who else is on it",
        description=CONDITIONAL,
        tags=["cases"],
        security=secured,
        responses={**_errors(403, 404, 422), 304: NOT_MODIFIED},
        middlewares=[conditional],
    )
    def get_case(case_id: CaseId) -> CaseOut:
        return _case_out(service().case(principal(), case_id))

    def _case_out(detail: CaseDetail) -> CaseOut:
        case = detail.case
        summary = CaseSummaryOut.of(case).model_dump()
        summary["customer"] = CustomerDetailOut(**summary["customer"], earlier_cases=detail.earlier_cases)
        return CaseOut(
            **summary,
            classification=case.classification,
            priority_score=case.priority_score,
            closed_reason=case.closed_reason,
            updated_at=case.updated_at,
            version=case.version,
            reasons=[DecisionOut(**d.model_dump()) for d in case.decisions],
            sla=detail.sla,
            thread=[MessageOut.of(m, detail.replies.get(m.id)) for m in detail.messages],
            presence=detail.presence,
        )

    def _case_now(case_id: str) -> CaseOut:
        return _case_out(service().case(principal(), case_id))

    @api.post(
        "/cases/<case_id>/claim",
        summary="Claim the case; 409 naming the holder if someone has it",
        tags=["cases"],
        security=secured,
        responses=_errors(403, 404, 409, 422),
    )
    def claim(case_id: CaseId) -> CaseOut:
        service().claim(principal(), case_id)
        return _case_now(case_id)

    @api.post(
        "/cases/<case_id>/unclaim",
        summary="Give the case back to its queue",
        tags=["cases"],
        security=secured,
        responses=_errors(403, 404, 409, 422),
    )
    def unclaim(case_id: CaseId) -> CaseOut:
        service().unclaim(principal(), case_id)
        return _case_now(case_id)

    @api.post(
        "/cases/<case_id>/replies",
        summary="Reply on X: publicly in the customer's thread, or by DM",
        description=(
            "201: every part is on X. 202: not confirmed yet; send the same request with the same "
            "Idempotency-Key again. 422 with `reply`: X refused it (e.g. reply_not_allowed, "
            "dm_not_allowed); nothing more will be sent. 503 with `reply`: X unavailable or rate limited; "
            "retry with the same Idempotency-Key, which never posts a part twice. A reply longer than one "
            "post becomes a numbered thread."
        ),
        tags=["replies"],
        security=secured,
        responses={
            201: {"description": "sent", "content": {"application/json": {"model": ReplyView}}},
            202: {"description": "not confirmed yet", "content": {"application/json": {"model": ReplyView}}},
            503: {
                "description": "X unavailable; retry",
                "content": {"application/json": {"model": ErrorOut}},
            },
            **_errors(403, 404, 409, 422),
        },
    )
    def reply(
        case_id: CaseId,
        body: ReplyBody,
        idempotency_key: Annotated[
            str | None,
            Header(
                alias="Idempotency-Key",
                pattern=IDEMPOTENCY_KEY,
                description="the same key (with the same body) never sends twice; any printable ASCII",
            ),
        ] = None,
    ) -> Response[ReplyView | ErrorOut]:
        p = principal()
        request = ReplyRequest(
            text=body.text,
            canned_response_id=body.canned_response_id,
            variables=body.variables,
            channel=Channel(body.channel) if body.channel else None,
            in_reply_to_id=body.in_reply_to_id,
        )

        def send(reply_id: str) -> dict[str, Any]:
            view = service().reply(p, case_id, request, reply_id)
            answer = {"view": view.model_dump(mode="json")}
            if not view.final:
                raise NotFinal(answer)
            return answer

        if idempotency_key is None:
            try:
                answer = send(uuid.uuid4().hex)
            except NotFinal as unsettled:
                answer = unsettled.answer
        else:
            scope = f"{p.brand_id}|{p.agent_id}|{case_id}|{idempotency_key}"
            reply_id = "r" + hashlib.sha256(scope.encode()).hexdigest()[:31]
            try:
                answer = once().run(scope, request.payload(), lambda: send(reply_id), api.lambda_context)
            except NotFinal as unsettled:
                answer = unsettled.answer
            except IdempotencyAlreadyInProgressError:
                return error_response(
                    409, "in_progress", "a request with this Idempotency-Key is still running; retry shortly"
                )
            except IdempotencyValidationError:
                return error_response(
                    422, "idempotency_key_reused", "this Idempotency-Key was used for a different request"
                )
        return _reply_response(ReplyView.model_validate(answer["view"]))

    @api.post(
        "/cases/<case_id>/replies/preview",
        summary="What a reply would become on X: its parts, weighted length, cost and warnings",
        description=(
            "Uses delivery's own splitting and X's weights; sends nothing and calls nothing on X. Warnings: "
            "empty (nothing visible to send), too_long, link_cost (X bills a post with a link about 13 times "
            "a plain one), reply_not_allowed (X's rule: reply only under a post that mentions or quotes the "
            "brand), dm_closed (X refused the case's last direct message). `sendable` is false when the text "
            "cannot be sent or X will refuse it as far as carebird knows."
        ),
        tags=["replies"],
        security=secured,
        responses=_errors(403, 404, 422),
    )
    def preview_reply(case_id: CaseId, body: PreviewBody) -> ReplyPreview:
        request = ReplyRequest(
            text=body.text,
            canned_response_id=body.canned_response_id,
            variables=body.variables,
            channel=Channel(body.channel) if body.channel else None,
            in_reply_to_id=body.in_reply_to_id,
        )
        return service().preview(principal(), case_id, request)

    @api.put(
        "/cases/<case_id>/presence",
        summary="Say you have the case open (and whether you are typing); lists the other agents on it",
        description=(
            "A mark lasts 30 seconds: the page sends it again every few seconds while the case is open. "
            "The answer (and GET /cases/{id}) lists the other agents whose mark has not expired."
        ),
        tags=["cases"],
        security=secured,
        responses=_errors(403, 404, 422),
    )
    def presence(case_id: CaseId, body: PresenceBody) -> PresenceOut:
        return PresenceOut(presence=service().mark_presence(principal(), case_id, body.typing))

    @api.get(
        "/agents",
        summary="Your brand's agents and supervisors: availability, skills, load (the reassign picker)",
        tags=["agents"],
        security=secured,
        responses=_errors(403),
    )
    def agents() -> AgentsOut:
        return AgentsOut(agents=service().agent_list(principal()))

    @api.post(
        "/cases/<case_id>/notes",
        summary="Add an internal note (never sent to the customer)",
        tags=["cases"],
        security=secured,
        responses=_errors(403, 404, 422),
    )
    def add_note(case_id: CaseId, body: NoteBody) -> Response[MessageOut]:
        message = service().note(principal(), case_id, body.text)
        return Response(
            status_code=201,
            content_type=content_types.APPLICATION_JSON,
            body=MessageOut.of(message, None),
        )

    @api.post(
        "/cases/<case_id>/reassign",
        summary="Move the case to a queue or hand it to an agent (kept as a routing correction)",
        tags=["cases"],
        security=secured,
        responses=_errors(403, 404, 409, 422),
    )
    def reassign(case_id: CaseId, body: ReassignBody) -> CaseSummaryOut:
        # The case may leave the caller's queues: answer with what they may still see of it.
        case = service().reassign(
            principal(), case_id, queue=body.queue, agent_id=body.agent_id, reason=body.reason
        )
        return CaseSummaryOut.of(case)

    @api.post(
        "/cases/<case_id>/resolve",
        summary="Resolve the case",
        tags=["cases"],
        security=secured,
        responses=_errors(403, 404, 409, 422),
    )
    def resolve(case_id: CaseId, body: Annotated[ReasonBody | None, Body()] = None) -> CaseOut:
        service().resolve(principal(), case_id, body.reason if body else "")
        return _case_now(case_id)

    @api.post(
        "/cases/<case_id>/like",
        summary="Like the customer's post on X as the brand (acknowledge praise in one action)",
        tags=["cases"],
        security=secured,
        responses={503: {"description": "X unavailable; retry"}, **_errors(403, 404, 409, 422)},
    )
    def like(case_id: CaseId) -> LikeOut:
        _, post_id = service().like(principal(), case_id)
        return LikeOut(case_id=case_id, post_id=post_id)

    @api.post(
        "/cases/<case_id>/follow",
        summary="Follow the customer on X as the brand, so that they can DM (then reply with channel dm)",
        tags=["cases"],
        security=secured,
        responses={503: {"description": "X unavailable; retry"}, **_errors(403, 404, 409, 422)},
    )
    def follow(case_id: CaseId) -> FollowOut:
        case, following = service().follow(principal(), case_id)
        customer = case.customer
        return FollowOut(
            case_id=case_id,
            user_id=customer.id,
            username=customer.username or customer.id,
            following=following,
        )

    @api.post(
        "/cases/resolve",
        summary="Resolve a batch of cases at once (the acknowledge lane's thank-yous)",
        tags=["cases"],
        security=secured,
        responses=_errors(403, 422),
    )
    def resolve_batch(body: BatchResolveBody) -> BatchResolveOut:
        return BatchResolveOut(results=service().resolve_many(principal(), body.case_ids, body.reason))

    @api.get(
        "/closed-automatically",
        summary="Cases triage closed without a person (sure spam), newest first: restore any in one action",
        tags=["cases"],
        security=secured,
        responses=_errors(403, 422),
    )
    def closed_automatically(limit: Annotated[int, Query(ge=1, le=200)] = 50) -> ClosedCasesOut:
        found = service().closed_automatically(principal(), limit)
        return ClosedCasesOut(
            cases=[
                ClosedCaseOut(
                    id=case.id,
                    customer=case.customer.username or case.customer.id,
                    closed_reason=case.closed_reason,
                    created_at=case.created_at,
                    text=text,
                )
                for case, text in found
            ]
        )

    @api.post(
        "/cases/<case_id>/restore",
        summary="Undo an automatic close: route the case to its queue; kept as a correction for training",
        tags=["cases"],
        security=secured,
        responses=_errors(403, 404, 409, 422),
    )
    def restore(case_id: CaseId, body: Annotated[ReasonBody | None, Body()] = None) -> CaseSummaryOut:
        # The case usually leaves the triage queue: answer with what the caller may still see of it.
        return CaseSummaryOut.of(service().restore(principal(), case_id, body.reason if body else ""))

    @api.post(
        "/cases/<case_id>/reopen",
        summary="Reopen a resolved or closed case into its queue",
        tags=["cases"],
        security=secured,
        responses=_errors(403, 404, 409, 422),
    )
    def reopen(case_id: CaseId, body: Annotated[ReasonBody | None, Body()] = None) -> CaseOut:
        service().reopen(principal(), case_id, body.reason if body else "")
        return _case_now(case_id)

    @api.get(
        "/canned-responses",
        summary="The brand's reply templates",
        tags=["canned responses"],
        security=secured,
        responses=_errors(403),
    )
    def list_canned() -> CannedOut:
        return CannedOut(canned_responses=service().canned_responses(principal()))

    @api.put(
        "/canned-responses/<response_id>",
        summary="Create or change a template (supervisors)",
        tags=["canned responses"],
        security=secured,
        responses=_errors(403, 422),
    )
    def put_canned(response_id: Annotated[str, Path(pattern=CANNED_ID)], body: CannedBody) -> CannedResponse:
        return service().put_canned_response(principal(), response_id, body.title, body.text)

    @api.delete(
        "/canned-responses/<response_id>",
        summary="Delete a template (supervisors)",
        tags=["canned responses"],
        security=secured,
        responses=_errors(403, 404, 422),
    )
    def delete_canned(response_id: Annotated[str, Path(pattern=CANNED_ID)]) -> Response[None]:
        service().delete_canned_response(principal(), response_id)
        return Response(status_code=204, content_type=None, body=None)

    api.include_router(reports_router(principal, reports, secured))
    api.include_router(team_router(principal, team, secured))
    return api


_TRANSIENT_STATUS = {"x_unavailable": 503, "rate_limited": 503}


def _reply_response(view: ReplyView) -> Response[Any]:
    if view.status == "sent":
        return Response(201, content_types.APPLICATION_JSON, view.model_dump(mode="json"))
    if view.status == "pending":
        return Response(202, content_types.APPLICATION_JSON, view.model_dump(mode="json"))
    code = view.error_code or "refused"
    status = _TRANSIENT_STATUS.get(code, 422)
    headers: dict[str, str] = {}
    if status == 503:
        wait = 30 if view.retry_at is None else int((view.retry_at - datetime.now(UTC)).total_seconds())
        headers["Retry-After"] = str(max(1, wait))
    return error_response(status, code, view.error or "X did not take the reply", reply=view, headers=headers)
