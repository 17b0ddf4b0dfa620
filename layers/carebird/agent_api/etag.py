"""Conditional GETs: an ETag on what the inbox polls, and 304 Not Modified when the client has it already.

The tag is weak (`W/"..."`): it is a hash of the JSON body without the counters that only say how much
time has passed (`seconds_left`, `oldest_waiting_seconds`), which change every second while nothing else
does. A 304 therefore means "nothing has happened since": the page keeps counting down from the `due_at`
it has. A state that changes with time (a clock turning `breached`, a case becoming at risk) changes the
body and so the tag. `Cache-Control: no-cache` makes browsers revalidate every time rather than reuse.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

ELAPSED_ONLY = frozenset({"seconds_left", "oldest_waiting_seconds"})


def _without_elapsed(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_elapsed(v) for k, v in value.items() if k not in ELAPSED_ONLY}
    if isinstance(value, list):
        return [_without_elapsed(v) for v in value]
    return value


def etag_of(body: Any) -> str:
    if isinstance(body, (str, bytes)):
        body = json.loads(body)
    canonical = json.dumps(_without_elapsed(body), sort_keys=True, separators=(",", ":"), default=str)
    return f'W/"{hashlib.sha256(canonical.encode()).hexdigest()[:32]}"'


def _matches(header: str, tag: str) -> bool:
    """If-None-Match's weak comparison: `*`, or any listed tag with the same opaque part."""
    opaque = tag.removeprefix("W/")
    for candidate in (part.strip() for part in header.split(",")):
        if candidate == "*" or candidate.removeprefix("W/") == opaque:
            return True
    return False


def conditional(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[Any]:
    """Route middleware: tag a 200 answer, and answer 304 with no body when If-None-Match has the tag."""
    response = next_middleware(app)
    if response.status_code != 200 or response.body is None:
        return response
    tag = etag_of(response.body)
    asked = app.current_event.headers.get("if-none-match") or app.current_event.headers.get("If-None-Match")
    cache = {"ETag": tag, "Cache-Control": "private, no-cache"}
    if asked and _matches(asked, tag):
        return Response(status_code=304, content_type=None, body=None, headers=cache)
    response.headers.update(cache)
    return response
