"""Replying to the customer on X: POST /cases/{id}/replies (sent once per Idempotency-Key, however often
it is retried) and POST /cases/{id}/replies/preview (what the reply would become on X; sends nothing)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Header

from carebird.agent_api.errors import error_response
from carebird.agent_api.idempotency import AlreadyRunning, KeyReused, NotFinal
from carebird.agent_api.routing import SECURED, AgentRouter, CaseId, Services, errors
from carebird.agent_api.schemas import (
    IDEMPOTENCY_KEY,
    ErrorOut,
    PreviewBody,
    ReplyBody,
    ReplyPreview,
    ReplyView,
)
from carebird.cases.model import Channel
from carebird.casework.model import ReplyRequest

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=IDEMPOTENCY_KEY,
        description="the same key (with the same body) never sends twice; any printable ASCII",
    ),
]


def replies_router(services: Services) -> AgentRouter:
    router = AgentRouter(services)

    @router.post(
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
        security=SECURED,
        responses={
            201: {"description": "sent", "content": {"application/json": {"model": ReplyView}}},
            202: {"description": "not confirmed yet", "content": {"application/json": {"model": ReplyView}}},
            503: {
                "description": "X unavailable; retry",
                "content": {"application/json": {"model": ErrorOut}},
            },
            **errors(403, 404, 409, 422),
        },
    )
    def reply(
        case_id: CaseId, body: ReplyBody, idempotency_key: IdempotencyKey = None
    ) -> Response[ReplyView | ErrorOut]:
        p = router.principal()
        request = _request(body)

        def send(reply_id: str) -> dict[str, Any]:
            view = services.casework().reply(p, case_id, request, reply_id)
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
                answer = services.once().run(
                    scope, request.payload(), lambda: send(reply_id), router.lambda_context
                )
            except NotFinal as unsettled:
                answer = unsettled.answer
            except AlreadyRunning:
                return error_response(
                    409, "in_progress", "a request with this Idempotency-Key is still running; retry shortly"
                )
            except KeyReused:
                return error_response(
                    422, "idempotency_key_reused", "this Idempotency-Key was used for a different request"
                )
        return _reply_response(ReplyView.model_validate(answer["view"]))

    @router.post(
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
        security=SECURED,
        responses=errors(403, 404, 422),
    )
    def preview_reply(case_id: CaseId, body: PreviewBody) -> ReplyPreview:
        return services.casework().preview(router.principal(), case_id, _request(body))

    return router


def _request(body: ReplyBody | PreviewBody) -> ReplyRequest:
    return ReplyRequest(
        text=body.text,
        canned_response_id=body.canned_response_id,
        variables=body.variables,
        channel=Channel(body.channel) if body.channel else None,
        in_reply_to_id=body.in_reply_to_id,
    )


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
