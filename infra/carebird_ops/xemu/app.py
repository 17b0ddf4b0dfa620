"""The WSGI application: X API v2 routes through auth, faults, rate limits and accounting; plus control."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from carebird_ops.xemu import api, control, errors
from carebird_ops.xemu.auth import Principal, authenticate
from carebird_ops.xemu.errors import ParamError, XApiError
from carebird_ops.xemu.operations import BY_NAME, OPERATIONS, Operation
from carebird_ops.xemu.state import EmulatorState
from carebird_ops.xemu.text import raw_links

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

CONTROL_PREFIX = "/_emulator"


class ConnectionDropped(ConnectionError):
    """An injected fault: the server closes the connection without answering.

    A ConnectionError subclass so werkzeug's server treats it as a dropped connection and writes
    nothing; under werkzeug's test Client it surfaces as this exception.
    """


def _json_response(
    status: int,
    body: Mapping[str, Any],
    headers: Mapping[str, str] | None = None,
    content_type: str = "application/json",
) -> Response:
    response = Response(json.dumps(body, ensure_ascii=False), status=status, content_type=content_type)
    response.headers["content-type"] = f"{content_type}; charset=utf-8"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _error_response(exc: XApiError, headers: Mapping[str, str] | None = None) -> Response:
    return _json_response(exc.status, exc.body, {**(headers or {}), **exc.headers}, exc.content_type)


def parse_query(op: Operation, request: Request) -> dict[str, object]:
    """Validate every query parameter as X does, reporting all the bad ones at once."""
    problems: list[ParamError] = []
    parsed: dict[str, object] = {}
    for name in request.args:
        if name not in op.query:
            problems.append(
                ParamError(
                    {name: request.args.getlist(name)},
                    f"The query parameter [{name}] is not one of [{','.join(op.query)}]",
                )
            )
            continue
        try:
            parsed[name] = op.query[name].parse(name, request.args[name])
        except ParamError as exc:
            problems.append(exc)
    for name in op.required:
        if name not in request.args:
            problems.append(ParamError({name: []}, f"The `{name}` query parameter can not be empty"))
    if problems:
        raise errors.invalid_request(problems)
    return parsed


def _count_reads(op: Operation, body: Mapping[str, Any]) -> tuple[list[str], list[str], list[str]]:
    """Posts, users and DM events a response carried, for X's per-read billing."""
    data = body.get("data")
    items = data if isinstance(data, list) else ([data] if isinstance(data, dict) else [])
    includes = body.get("includes", {})
    post_ids = [t["id"] for t in includes.get("tweets", [])]
    user_ids = [str(u.get("id", "")) for u in includes.get("users", [])]
    dm_event_ids: list[str] = []
    if op.name.startswith(("getPosts", "getUsersMentions", "getUsersPosts", "searchPosts")):
        post_ids = [t["id"] for t in items] + post_ids
    elif op.name.startswith("getUsers"):
        user_ids += [str(u.get("id", "")) for u in items]
    elif op.name.startswith("getDirectMessages"):
        dm_event_ids = [str(e.get("id", "")) for e in items]
    return post_ids, user_ids, dm_event_ids


def _reads_own_data(op: Operation, principal: Principal, args: Mapping[str, Any]) -> bool:
    """A user-context read of the caller's own timeline or DMs: X prices it as an owned read when the
    developer app belongs to that same account."""
    if principal.user is None or op.method != "GET":
        return False
    return op.name.startswith("getDirectMessages") or str(args.get("id", "")) == str(principal.user.id)


def _links_created(op: Operation, request: Request) -> int:
    """Links in the text of a post or DM created: X bills a post with a URL about 13 times a plain one."""
    if op.method != "POST":
        return 0
    try:
        body = json.loads(request.get_data(as_text=True) or "null")
    except ValueError:
        return 0
    text = body.get("text") if isinstance(body, dict) else None
    return len(raw_links(text)) if isinstance(text, str) else 0


class EmulatorApp:
    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        self.url_map = Map([Rule(op.rule, endpoint=op.name, methods=[op.method]) for op in OPERATIONS])
        self.control = control.ControlApi(state)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        if request.path == CONTROL_PREFIX or request.path.startswith(CONTROL_PREFIX + "/"):
            response = self.control.dispatch(request)
        else:
            response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except NotFound:
            return _error_response(errors.page_not_found())
        except MethodNotAllowed:
            return _error_response(errors.method_not_allowed())
        op = BY_NAME[str(endpoint)]
        state = self.state

        with state.lock:
            try:
                principal = authenticate(state, request)
                if op.user_context_only and principal.user is None:
                    raise errors.unsupported_authentication()
            except XApiError as exc:
                state.stats.record(op.name, "unauthenticated", exc.status)
                return _error_response(exc)
            decision = state.faults.decide(op.name, request.method, request.path, request.args.keys())

        if decision.latency_ms:
            time.sleep(decision.latency_ms / 1000)  # outside the lock: a slow call must not stall others
        with state.lock:
            limiter_keys = (op.name, principal.kind, principal.token, principal.app_token)
            if decision.action == "drop":
                state.stats.record(op.name, principal.token, 0)
                raise ConnectionDropped(f"fault injection dropped {request.method} {request.path}")
            if decision.action == "error":
                assert decision.status is not None
                state.stats.record(op.name, principal.token, decision.status)
                return _error_response(
                    errors.server_error(decision.status), state.limiter.peek(*limiter_keys)
                )
            if decision.action == "rate_limit":
                headers = state.limiter.peek(*limiter_keys)
                headers["x-rate-limit-remaining"] = "0"
                state.stats.record(op.name, principal.token, 429)
                return _error_response(errors.too_many_requests(headers))

            allowed, headers = state.limiter.consume(*limiter_keys)
            if principal.user is not None:
                headers["x-access-level"] = "read-write-directmessages"
            if not allowed:
                state.stats.record(op.name, principal.token, 429)
                return _error_response(errors.too_many_requests(headers))
            try:
                status, body = self._handle(op, principal, request, args)
            except XApiError as exc:
                state.stats.record(op.name, principal.token, exc.status)
                return _error_response(exc, headers)
            post_ids, user_ids, dm_event_ids = _count_reads(op, body) if status == 200 else ([], [], [])
            state.stats.record(
                op.name,
                principal.token,
                status,
                post_ids=post_ids,
                users=len(user_ids),
                user_ids=user_ids,
                dm_events=len(dm_event_ids),
                dm_event_ids=dm_event_ids,
                at=state.now(),
                own=_reads_own_data(op, principal, args),
                links=_links_created(op, request) if status < 300 else 0,
            )
            return _json_response(status, body, headers)

    def _handle(
        self, op: Operation, principal: Principal, request: Request, args: Mapping[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        query = parse_query(op, request)
        ctx = api.Context(self.state, principal, query, request)
        return api.HANDLERS[op.name](ctx, **args)
