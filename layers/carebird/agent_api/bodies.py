"""What a request body must be before any route sees it: JSON (or nothing), at most MAX_BODY_BYTES, nested
at most MAX_DEPTH deep, with numbers Python can read. Everything else is refused here as a JSON 4xx, so no
parser error can escape a route as a 5xx:

    body longer than MAX_BODY_BYTES                  413 body_too_large
    a body whose Content-Type is not application/json 415 unsupported_media_type (multipart, forms, XML...)
    nested deeper than MAX_DEPTH, a 5,000-digit int  422 invalid_json (through Powertools' JSON decode error)

Powertools decodes JSON with `json_body_deserializer` and turns only `json.JSONDecodeError` into a request
validation error; `strict_json` raises every refusal as one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

MAX_BODY_BYTES = 64 * 1024  # a 10,000-character reply fits even with every character a 6-byte \u escape
MAX_DEPTH = 16  # the deepest body the API takes is 2 (reply variables)
JSON_MEDIA_TYPES = ("application/json",)

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)


class BodyRefused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _header(headers: Mapping[str, Any] | None, name: str) -> str:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return str(value or "")
    return ""


def body_refusal(event: Mapping[str, Any]) -> BodyRefused | None:
    """Why this event's body cannot go to a route, or None. A bodyless request passes whatever its
    Content-Type says."""
    body = event.get("body")
    if not body:
        return None
    size = len(body) * 3 // 4 if event.get("isBase64Encoded") else len(str(body).encode("utf-8", "replace"))
    if size > MAX_BODY_BYTES:
        return BodyRefused(
            413, "body_too_large", f"the body is {size} bytes; the API takes at most {MAX_BODY_BYTES}"
        )
    media_type = _header(event.get("headers"), "content-type").split(";", 1)[0].strip().lower()
    if media_type and media_type not in JSON_MEDIA_TYPES:
        return BodyRefused(
            415, "unsupported_media_type", f"{media_type} is not accepted: send the body as application/json"
        )
    return None


def _depth(text: str) -> int:
    deepest = depth = 0
    for char in _STRING.sub('""', text):
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def strict_json(text: str) -> Any:
    """json.loads with the limits above; every refusal is a json.JSONDecodeError, as Powertools expects."""
    if len(text.encode("utf-8", "replace")) > MAX_BODY_BYTES:
        raise json.JSONDecodeError(f"the body is longer than {MAX_BODY_BYTES} bytes", text[:100], 0)
    if _depth(text) > MAX_DEPTH:
        raise json.JSONDecodeError(f"nested deeper than {MAX_DEPTH} levels", text[:100], 0)
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except (ValueError, RecursionError) as exc:  # e.g. an integer of more than 4,300 digits
        raise json.JSONDecodeError(str(exc).split(";")[0], text[:100], 0) from None
