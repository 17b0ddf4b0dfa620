"""Serves the template's REST APIs over HTTP the way API Gateway does: Lambda proxy integration, v1 events.

Routes come from the OpenAPI document SAM generates for each AWS::Serverless::Api (paths, methods and
the integration's function ARN); the URL layout is /{stage}/{path}, as on execute-api.

Authorizers: an operation whose `security` names a Cognito user pool authorizer of the document's
`securityDefinitions` is guarded as API Gateway guards it. The token comes from the authorizer's header;
none gives 401 {"message": "Unauthorized"} without invoking the function, and so does a token the pool did
not sign or that expired (carebird_ops.local.cognito checks it against the pool's JWKS). A valid token's
claims reach the function in requestContext.authorizer.claims.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qsl

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from carebird_ops.local.cognito import Unauthorized
from carebird_ops.local.provision import ACCOUNT_ID, RestApi

Invoke = Callable[
    [str, dict[str, Any]], tuple[dict[str, Any], bool]
]  # (function arn, event) -> (payload, errored)

_FUNCTION_ARN = re.compile(r"functions/(arn:aws:lambda:[^/]+)/invocations")
_ANY = "x-amazon-apigateway-any-method"


class TokenVerifier(Protocol):
    def claims(self, token: str, pool_arns: list[str]) -> dict[str, str]:
        """The token's claims; raises carebird_ops.local.cognito.Unauthorized."""
        ...


@dataclass(frozen=True)
class CognitoAuthorizer:
    name: str
    header: str  # the identity source: method.request.header.<header>
    pool_arns: list[str]


@dataclass
class Route:
    api: RestApi
    resource: str  # the path template, e.g. /cases/{id}
    method: str  # GET, POST, ... or ANY
    function_arn: str
    pattern: re.Pattern[str]
    authorizer: CognitoAuthorizer | None = None

    @property
    def specificity(self) -> tuple[int, int, int]:
        greedy = "+}" in self.resource
        literal = len(re.sub(r"\{[^}]+\}", "", self.resource))
        return (1 if greedy else 0, -literal, 0 if self.method != "ANY" else 1)


def authorizers_for(api: RestApi) -> dict[str, CognitoAuthorizer]:
    found: dict[str, CognitoAuthorizer] = {}
    for name, scheme in api.body.get("securityDefinitions", {}).items():
        if scheme.get("x-amazon-apigateway-authtype") != "cognito_user_pools":
            continue
        arns = scheme.get("x-amazon-apigateway-authorizer", {}).get("providerARNs", [])
        found[name] = CognitoAuthorizer(
            name, str(scheme.get("name", "Authorization")), [str(a) for a in arns]
        )
    return found


def routes_for(api: RestApi) -> list[Route]:
    routes: list[Route] = []
    authorizers = authorizers_for(api)
    default_security = api.body.get("security", [])
    for path, operations in api.body.get("paths", {}).items():
        for method, operation in operations.items():
            security = operation.get("security", default_security)
            # SAM writes {"NONE": []} for a method without an authorizer: not a known name, so open.
            authorizer = next((authorizers[n] for entry in security for n in entry if n in authorizers), None)
            integration = operation.get("x-amazon-apigateway-integration", {})
            match = _FUNCTION_ARN.search(str(integration.get("uri", "")))
            if not match:
                continue
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
        self, apis: list[RestApi], invoke: Invoke, region: str, verifier: TokenVerifier | None = None
    ) -> None:
        self._routes = [route for api in apis for route in routes_for(api)]
        self._invoke = invoke
        self._region = region
        self._verifier = verifier
        self._server: BaseWSGIServer | None = None
        guarded = [r.resource for r in self._routes if r.authorizer is not None]
        if guarded and verifier is None:
            raise ValueError(
                f"routes {guarded} have a Cognito authorizer: the gateway needs a token verifier"
            )

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
        path = "/" + rest
        # API Gateway (REST) routes /inbox/ as /inbox; the event keeps the path as it was asked for.
        routed = path.rstrip("/") or "/"
        for route in self._routes:
            if route.api.stage != stage:
                continue
            match = route.pattern.match(routed)
            if match and route.method in ("ANY", request.method):
                return self._proxy(route, request, path, match.groupdict())
        # API Gateway answers an unknown route (no authorizer) with 403 Missing Authentication Token.
        return _json(403, {"message": "Missing Authentication Token"})

    def _proxy(self, route: Route, request: Request, path: str, params: dict[str, str]) -> Response:
        claims: dict[str, str] | None = None
        if route.authorizer is not None:
            token = request.headers.get(route.authorizer.header, "")
            if not token.strip():
                return _json(401, {"message": "Unauthorized"})
            assert self._verifier is not None
            try:
                claims = self._verifier.claims(token, route.authorizer.pool_arns)
            except Unauthorized as refused:
                return _json(401, {"message": refused.message})
        event = self.event(route, request, path, params, claims)
        payload, errored = self._invoke(route.function_arn, event)
        if errored or not isinstance(payload, dict) or "statusCode" not in payload:
            return _json(502, {"message": "Internal server error"})
        body = payload.get("body") or ""
        data = base64.b64decode(body) if payload.get("isBase64Encoded") else str(body).encode()
        response = Response(data, status=int(payload["statusCode"]))
        response.headers.clear()
        for key, value in (payload.get("headers") or {}).items():
            response.headers[key] = str(value)
        for key, values in (payload.get("multiValueHeaders") or {}).items():
            response.headers.remove(key)
            for value in values:
                response.headers.add(key, str(value))
        response.headers.setdefault("Content-Type", "application/json")
        response.headers["x-amzn-RequestId"] = event["requestContext"]["requestId"]
        return response

    def event(
        self,
        route: Route,
        request: Request,
        path: str,
        params: dict[str, str],
        claims: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        query = parse_qsl(request.query_string.decode(), keep_blank_values=True)
        multi_query: dict[str, list[str]] = {}
        for key, value in query:
            multi_query.setdefault(key, []).append(value)
        multi_headers: dict[str, list[str]] = {}
        for key, value in request.headers.items():
            multi_headers.setdefault(key, []).append(value)
        raw = request.get_data()
        try:
            body: str | None = raw.decode() if raw else None
            is_b64 = False
        except UnicodeDecodeError:
            body, is_b64 = base64.b64encode(raw).decode(), True
        now = time.time()
        context: dict[str, Any] = {}
        if claims is not None:
            context["authorizer"] = {"claims": claims}
        return {
            "resource": route.resource,
            "path": path,
            "httpMethod": request.method,
            "headers": {k: v[-1] for k, v in multi_headers.items()} or None,
            "multiValueHeaders": multi_headers or None,
            "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": params or None,
            "stageVariables": None,
            "requestContext": {
                "accountId": ACCOUNT_ID,
                "apiId": route.api.api_id,
                "resourcePath": route.resource,
                "httpMethod": request.method,
                "path": f"/{route.api.stage}{path}",
                "stage": route.api.stage,
                "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                "requestId": str(uuid.uuid4()),
                "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
                "requestTimeEpoch": int(now * 1000),
                "domainName": request.host,
                "identity": {
                    "sourceIp": request.remote_addr or "127.0.0.1",
                    "userAgent": request.user_agent.string,
                },
                **context,
            },
            "body": body,
            "isBase64Encoded": is_b64,
        }


def _json(status: int, body: dict[str, Any]) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")
