"""X's error bodies. Every failure the emulator answers with is built here, in X's own shapes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

PROBLEMS = "https://api.twitter.com/2/problems/"
INVALID_REQUEST_DETAIL = "One or more parameters to your request was invalid."

Json = dict[str, Any]


class XApiError(Exception):
    """Raised anywhere below a route; the app turns it into the HTTP response."""

    def __init__(self, status: int, body: Json, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(body.get("detail") or body.get("title") or str(body))
        self.status = status
        self.body = body
        self.headers = dict(headers or {})

    @property
    def content_type(self) -> str:
        # X sends RFC 7807 problems as problem+json; its legacy {"errors": [...]} bodies as plain JSON.
        return "application/problem+json" if "type" in self.body else "application/json"


def generic(status: int, title: str, detail: str) -> XApiError:
    return XApiError(status, {"title": title, "detail": detail, "type": "about:blank", "status": status})


def unauthorized() -> XApiError:
    return generic(401, "Unauthorized", "Unauthorized")


def forbidden(detail: str) -> XApiError:
    return generic(403, "Forbidden", detail)


def too_many_requests(headers: Mapping[str, str]) -> XApiError:
    err = generic(429, "Too Many Requests", "Too Many Requests")
    err.headers.update(headers)
    return err


def server_error(status: int) -> XApiError:
    titles = {
        500: "Internal Server Error",
        502: "Bad Gateway",
        503: "Service Unavailable",
        504: "Gateway Timeout",
    }
    title = titles.get(status, "Internal Server Error")
    return generic(status, title, title)


def unsupported_authentication() -> XApiError:
    return XApiError(
        403,
        {
            "title": "Unsupported Authentication",
            "detail": "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  "
            "Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].",
            "type": PROBLEMS + "unsupported-authentication",
            "status": 403,
        },
    )


def page_not_found() -> XApiError:
    return XApiError(404, {"errors": [{"message": "Sorry, that page does not exist", "code": 34}]})


def method_not_allowed() -> XApiError:
    return generic(405, "Method Not Allowed", "Method Not Allowed")


class ParamError(ValueError):
    """One invalid parameter; collected into a single invalid-request problem."""

    def __init__(self, parameters: Mapping[str, Sequence[str]], message: str) -> None:
        super().__init__(message)
        self.parameters = {name: list(values) for name, values in parameters.items()}
        self.message = message

    def entry(self) -> Json:
        return {"parameters": self.parameters, "message": self.message}


def invalid_request(errors: Sequence[ParamError]) -> XApiError:
    return XApiError(
        400,
        {
            "errors": [e.entry() for e in errors],
            "title": "Invalid Request",
            "detail": INVALID_REQUEST_DETAIL,
            "type": PROBLEMS + "invalid-request",
        },
    )


def body_error(message: str) -> XApiError:
    """A request body X's schema validation rejects (X reports these without `parameters`)."""
    return XApiError(
        400,
        {
            "errors": [{"message": message}],
            "title": "Invalid Request",
            "detail": INVALID_REQUEST_DETAIL,
            "type": PROBLEMS + "invalid-request",
        },
    )


def not_found_entry(resource_type: str, parameter: str, value: str, what: str = "id") -> Json:
    """The `errors` item X puts in a 200 response for a looked-up id that does not exist."""
    return {
        "value": value,
        "detail": f"Could not find {resource_type} with {what}: [{value}].",
        "title": "Not Found Error",
        "resource_type": resource_type,
        "parameter": parameter,
        "resource_id": value,
        "type": PROBLEMS + "resource-not-found",
    }


def not_authorized_entry(resource_type: str, parameter: str, value: str, section: str = "data") -> Json:
    return {
        "value": value,
        "detail": f"Sorry, you are not authorized to see the {resource_type.capitalize()} "
        f"with id: [{value}].",
        "title": "Authorization Error",
        "resource_type": resource_type,
        "parameter": parameter,
        "resource_id": value,
        "section": section,
        "type": PROBLEMS + "not-authorized-for-resource",
    }


def not_found(resource_type: str, parameter: str, value: str) -> XApiError:
    body = not_found_entry(resource_type, parameter, value)
    body["status"] = 404
    return XApiError(404, body)
