"""Every refusal as JSON `{"error": {"code", "message", ...}}` with the right 4xx, never a 500 for bad input.

case work                              HTTP
NotFound                               404 not_found
Forbidden, UnknownAgent                403 forbidden / unknown_agent
ClaimedByOther                         409 claimed_by_other (holder, holder_name: who has it)
NotClaimed, TransitionNotAllowed, ...  409
Invalid                                422 invalid
request validation (Powertools)        422 invalid_request, with each field and its problem
body not JSON, too deep, huge numbers   422 invalid_json
body larger than 64 KiB                413 body_too_large (carebird.agent_api.bodies, before routing)
body not UTF-8                         400 invalid_encoding
unsupported Content-Type               415 unsupported_media_type (before routing: multipart, forms)
unknown route                          404 no_such_route
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)

from carebird.casework.errors import (
    CaseworkError,
    ClaimedByOther,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    XUnavailable,
)
from carebird.casework.model import ReplyView
from carebird.observability import logger


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    holder: str | None = None,
    holder_name: str | None = None,
    details: list[dict[str, str]] | None = None,
    reply: ReplyView | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if holder is not None:
        error["holder"] = holder
        error["holder_name"] = holder_name or holder
    if details is not None:
        error["details"] = details
    body: dict[str, Any] = {"error": error}
    if reply is not None:
        body["reply"] = reply.model_dump(mode="json")
    return Response(status, content_types.APPLICATION_JSON, body, headers=headers)


_STATUS: tuple[tuple[type[CaseworkError], int], ...] = (
    (NotFound, 404),
    (Forbidden, 403),
    (Conflict, 409),
    (Invalid, 422),
    (XUnavailable, 503),
)


def _where(loc: Sequence[Any]) -> str:
    return ".".join(str(part) for part in loc) or "request"


def _problem(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "json_invalid":
        return f"the body is not valid JSON ({error.get('ctx', {}).get('error', 'syntax error')})"
    if kind == "extra_forbidden":
        return "is not a field of this request"
    if kind == "missing":
        return "is required"
    message = str(error.get("msg") or kind)
    return message.removeprefix("Value error, ")


def install_error_handlers(api: APIGatewayHttpResolver) -> None:
    @api.exception_handler(CaseworkError)
    def casework(exc: CaseworkError) -> Response[Any]:
        status = next((s for kind, s in _STATUS if isinstance(exc, kind)), 400)
        if isinstance(exc, ClaimedByOther):
            return error_response(
                status, exc.code, exc.message, holder=exc.holder, holder_name=exc.holder_name
            )
        return error_response(status, exc.code, exc.message)

    @api.exception_handler(RequestValidationError)
    def invalid(exc: RequestValidationError) -> Response[Any]:
        errors = list(exc.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            return error_response(422, "invalid_json", _problem(errors[0]))
        details = [{"field": _where(e.get("loc", ())), "problem": _problem(e)} for e in errors]
        summary = "; ".join(f"{d['field']}: {d['problem']}" for d in details)
        return error_response(422, "invalid_request", summary or "the request is not valid", details=details)

    @api.exception_handler(UnicodeDecodeError)
    def undecodable(exc: UnicodeDecodeError) -> Response[Any]:
        return error_response(400, "invalid_encoding", f"the body is not valid UTF-8 (byte {exc.start})")

    @api.exception_handler(RequestUnsupportedContentType)
    def unsupported(exc: RequestUnsupportedContentType) -> Response[Any]:
        return error_response(415, "unsupported_media_type", "send the body as application/json")

    @api.not_found
    def no_route(exc: NotFoundError) -> Response[Any]:
        event = api.current_event
        logger.debug("no route", extra={"method": event.http_method, "path": event.path})
        return error_response(404, "no_such_route", f"there is no {event.http_method} {event.path}")
