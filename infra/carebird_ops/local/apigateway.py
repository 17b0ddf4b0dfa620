"""Serves the template's HTTP APIs over HTTP the way API Gateway does: Lambda proxy integration, payload
format 2.0 events.

Routes come from the OpenAPI 3 document SAM generates for each AWS::Serverless::HttpApi (paths, methods
and the integration's function ARN); the URL layout is /{stage}/{path}, as on execute-api with a named
stage, and the event's rawPath keeps the stage (Powertools' APIGatewayHttpResolver takes it off).

Route selection, as HTTP APIs choose: a route without a greedy variable before one with it, a route naming
the method before ANY; a trailing slash is ignored in matching (/v1/inbox/ reaches GET /inbox) and kept in
rawPath. No route, or no such stage: 404 {"message":"Not Found"}.

Authorizers: an operation whose `security` names a JWT authorizer of the document's securitySchemes is
guarded as API Gateway guards it: the token comes from the identity source's header, with or without
"Bearer "; none, or one that fails the checks (carebird_ops.local.cognito.JwtVerifier), gives 401
{"message":"Unauthorized"} without invoking the function, the reason in a www-authenticate header. A
valid token's claims reach the function in requestContext.authorizer.jwt.claims, every value a string.

The function's answer: {statusCode, headers, cookies, body, isBase64Encoded}; an answer without a
statusCode is taken as a JSON body with status 200, as payload format 2.0 does; a function error or an
answer that is not an object gives 500 {"message":"Internal Server Error"}.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qsl

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from carebird_ops.local.cognito import Unauthorized
from carebird_ops.local.provision import ACCOUNT_ID, HttpApi

Invoke = Callable[[str, dict[str, Any]], tuple[Any, bool]]  # (function arn, event) -> (payload, errored)

_FUNCTION_ARN = re.compile(r"functions/(arn:aws:lambda:[^/]+)/invocations")
_ANY = "x-amazon-apigateway-any-method"
_HEADER_SOURCE = re.compile(r"^\$request\.header\.(.+)$")


class TokenVerifier(Protocol):
    def claims(self, token: str, issuer: str, audience: list[str]) -> dict[str, str]:
        """The token's claims; raises carebird_ops.local.cognito.Unauthorized."""
        ...


@dataclass(frozen=True)
class JwtAuthorizer:
    name: str
    header: str  # the identity source: $request.header.<header>
    issuer: str
    audience: list[str]


@dataclass
class Route:
    api: HttpApi
    path: str  # the route's path template, e.g. /cases/{id}
    method: str  # GET, POST, ... or ANY
    function_arn: str
    pattern: re.Pattern[str]
    authorizer: JwtAuthorizer | None = None

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def specificity(self) -> tuple[int, int, int]:
        greedy = "+}" in self.path
        literal = len(re.sub(r"\{[^}]+\}", "", self.path))
        return (1 if greedy else 0, -literal, 0 if self.method != "ANY" else 1)


def authorizers_for(api: HttpApi) -> dict[str, JwtAuthorizer]:
    found: dict[str, JwtAuthorizer] = {}
    for name, scheme in api.body.get("components", {}).get("securitySchemes", {}).items():
        spec = scheme.get("x-amazon-apigateway-authorizer", {})
        if spec.get("type") != "jwt":
            continue
        source = _HEADER_SOURCE.match(str(spec.get("identitySource", "$request.header.Authorization")))
        if source is None:
            raise ValueError(f"authorizer {name}: only a header identity source is supported locally")
        config = spec.get("jwtConfiguration", {})
        found[name] = JwtAuthorizer(
            name, source.group(1), str(config.get("issuer", "")), [str(a) for a in config.get("audience", [])]
        )
    return found


def routes_for(api: HttpApi) -> list[Route]:
    routes: list[Route] = []
    authorizers = authorizers_for(api)
    default_security = api.body.get("security", [])
    for path, operations in api.body.get("paths", {}).items():
        for method, operation in operations.items():
            security = operation.get("security", default_security)
            # SAM writes {"NONE": []} for a route without an authorizer: not a known name, so open.
            authorizer = next((authorizers[n] for entry in security for n in entry if n in authorizers), None)
            integration = operation.get("x-amazon-apigateway-integration", {})
            match = _FUNCTION_ARN.search(str(integration.get("uri", "")))
            if not match:
                continue
            if str(integration.get("payloadFormatVersion", "2.0")) != "2.0":
                raise ValueError(f"{method.upper()} {path}: only payload format 2.0 is served locally")
            regex = (
                "^"
                + re.sub(
                    r"\{([^}+]+)(\+?)\}",
                    lambda m: f"(?P<{m.group(1)}>{'.+' if m.group(2) else '[^/]+'})",
                    path,
                )
                + "$"
            )
            verb = "ANY" if method == _ANY else method.upper()
            routes.append(Route(api, path, verb, match.group(1), re.compile(regex), authorizer))
    return sorted(routes, key=lambda r: r.specificity)


class ApiGateway:
    def __init__(
        self, apis: list[HttpApi], invoke: Invoke, region: str, verifier: TokenVerifier | None = None
    ) -> None:
        self._routes = [route for api in apis for route in routes_for(api)]
        self._invoke = invoke
        self._region = region
        self._verifier = verifier
        self._server: BaseWSGIServer | None = None
        guarded = [r.key for r in self._routes if r.authorizer is not None]
        if guarded and verifier is None:
            raise ValueError(f"routes {guarded} have a JWT authorizer: the gateway needs a token verifier")

    @property
    def stages(self) -> list[str]:
        return sorted({route.api.stage for route in self._routes})

    def start(self, host: str, port: int) -> int:
        self._server = make_server(host, port, self._wsgi, threaded=True)
        threading.Thread(target=self._server.serve_forever, name="apigateway", daemon=True).start()
        return self._server.port

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        return self.handle(request)(environ, start_response)

    def handle(self, request: Request) -> Response:
        stage, _, rest = request.path.lstrip("/").partition("/")
        routed = ("/" + rest).rstrip("/") or "/"
        for route in self._routes:
            if route.api.stage != stage:
                continue
            match = route.pattern.match(routed)
            if match and route.method in ("ANY", request.method):
                return self._proxy(route, request, match.groupdict())
        return _json(404, {"message": "Not Found"})

    def _proxy(self, route: Route, request: Request, params: dict[str, str]) -> Response:
        claims: dict[str, str] | None = None
        if route.authorizer is not None:
            token = request.headers.get(route.authorizer.header, "")
            if not token.strip():
                return _json(401, {"message": "Unauthorized"})
            assert self._verifier is not None
            try:
                claims = self._verifier.claims(token, route.authorizer.issuer, route.authorizer.audience)
            except Unauthorized as refused:
                challenge = f'Bearer scope="" error="invalid_token" error_description="{refused.reason}"'
                return _json(401, {"message": "Unauthorized"}, {"www-authenticate": challenge})
        event = self.event(route, request, params, claims)
        payload, errored = self._invoke(route.function_arn, event)
        request_id = event["requestContext"]["requestId"]
        if errored or not isinstance(payload, dict):
            return _json(500, {"message": "Internal Server Error"}, {"apigw-requestid": request_id})
        if "statusCode" not in payload:  # format 2.0 takes such an answer as a JSON body, status 200
            payload = {
                "statusCode": 200,
                "body": json.dumps(payload),
                "headers": {"content-type": "application/json"},
            }
        try:
            status = int(payload["statusCode"])
        except (TypeError, ValueError):
            return _json(500, {"message": "Internal Server Error"}, {"apigw-requestid": request_id})
        body = payload.get("body") or ""
        data = base64.b64decode(body) if payload.get("isBase64Encoded") else str(body).encode()
        response = Response(data, status=status)
        response.headers.clear()
        for key, value in (payload.get("headers") or {}).items():
            response.headers[key] = str(value)
        for cookie in payload.get("cookies") or []:
            response.headers.add("Set-Cookie", str(cookie))
        response.headers.setdefault("Content-Type", "application/json")
        response.headers["apigw-requestid"] = request_id
        return response

    def event(
        self,
        route: Route,
        request: Request,
        params: dict[str, str],
        claims: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        raw = request.get_data()
        return http_api_event(
            api_id=route.api.api_id,
            stage=route.api.stage,
            route_key=route.key,
            method=request.method,
            raw_path=request.path,
            raw_query=request.query_string.decode(),
            headers=request.headers.items(),
            body=raw,
            path_parameters=params,
            claims=claims,
            source_ip=request.remote_addr or "127.0.0.1",
            protocol=request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
        )


def http_api_event(
    *,
    api_id: str,
    stage: str,
    route_key: str,
    method: str,
    raw_path: str,
    raw_query: str = "",
    headers: Iterable[tuple[str, str]] = (),
    body: bytes | None = None,
    path_parameters: dict[str, str] | None = None,
    claims: dict[str, str] | None = None,
    source_ip: str = "127.0.0.1",
    protocol: str = "HTTP/1.1",
) -> dict[str, Any]:
    """A Lambda proxy event in payload format 2.0, as an HTTP API sends it: header names lower-cased and
    repeated headers (and query parameters) joined with commas, cookies in their own list, rawPath with
    the stage, the JWT authorizer's claims (if any) under requestContext.authorizer.jwt."""
    joined: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        key = name.lower()
        if key == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
            continue
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    query: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value
    try:
        text: str | None = body.decode() if body else None
        is_b64 = False
    except UnicodeDecodeError:
        text, is_b64 = base64.b64encode(body or b"").decode(), True
    now = time.time()
    host = joined.get("host", f"{api_id}.execute-api.localhost")
    context: dict[str, Any] = {
        "accountId": ACCOUNT_ID,
        "apiId": api_id,
        "domainName": host,
        "domainPrefix": host.split(".", 1)[0],
        "http": {
            "method": method,
            "path": raw_path,
            "protocol": protocol,
            "sourceIp": source_ip,
            "userAgent": joined.get("user-agent", ""),
        },
        "requestId": str(uuid.uuid4()),
        "routeKey": route_key,
        "stage": stage,
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "timeEpoch": int(now * 1000),
    }
    if claims is not None:
        context["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": joined,
        "requestContext": context,
        "isBase64Encoded": is_b64,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if path_parameters:
        event["pathParameters"] = path_parameters
    if text is not None:
        event["body"] = text
    return event


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json", headers=headers)
