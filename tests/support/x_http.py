"""X at the HTTP level, for adapter tests: requests' transport replaced by canned answers, no network."""

from __future__ import annotations

import json
from typing import Any

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict


class CannedX(BaseAdapter):
    """Answers each request with the next canned (status, body, headers), or raises a given exception;
    once they are used up, with `then` for every further request (if given; otherwise it is an error)."""

    def __init__(
        self,
        *answers: tuple[int, Any, dict[str, str]] | Exception,
        then: tuple[int, Any, dict[str, str]] | None = None,
    ) -> None:
        super().__init__()
        self.answers = list(answers)
        self.then = then
        self.requests: list[requests.PreparedRequest] = []
        self.timeouts: list[Any] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.requests.append(request)
        self.timeouts.append(kwargs.get("timeout"))
        if not self.answers and self.then is not None:
            answer: tuple[int, Any, dict[str, str]] | Exception = self.then
        else:
            answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        status, body, headers = answer
        response = requests.Response()
        response.status_code = status
        response.reason = {200: "OK", 429: "Too Many Requests"}.get(status, "Error")
        response._content = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        response.headers = CaseInsensitiveDict({"content-type": "application/json", **headers})
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        pass
