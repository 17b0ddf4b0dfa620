"""A client of the agent API over HTTP, for the terminal commands and the demo.

Replies are sent with an Idempotency-Key chosen once per reply, and retried with the same key while the
API says the reply is not settled (202 pending, 503 X unavailable, 409 still in progress) or the
connection fails: the API and the outbox make sure a retry never posts twice, so a person never has to
re-send a reply from X by hand.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import requests

# Answers after which the same request with the same key may still succeed.
_RETRY_STATUSES = frozenset({202, 503})


class ApiError(RuntimeError):
    def __init__(self, status: int, code: str, message: str, body: Any = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.body = body


class AgentApiClient:
    def __init__(
        self,
        base_url: str,
        token: str | Callable[[], str],
        *,
        timeout: float = 60.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.timeout = timeout
        self.http = session or requests.Session()
        self.sleep = sleep

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        token = self._token() if callable(self._token) else self._token
        return {"Authorization": token, "Content-Type": "application/json", **(extra or {})}

    def request(
        self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None, ok: tuple[int, ...] = (200, 201, 204),
    ) -> Any:  # fmt: skip
        response = self.http.request(
            method,
            f"{self.base_url}{path}",
            json=json,
            params={k: v for k, v in (params or {}).items() if v is not None},
            headers=self._headers(headers),
            timeout=self.timeout,
        )
        return _answer(response, ok)

    # ------------------------------------------------------------------ reading
    def me(self) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", "/me")
        return result

    def queues(self) -> list[dict[str, Any]]:
        return list(self.request("GET", "/queues")["queues"])

    def cases(
        self,
        *,
        queue: str | None = None,
        status: str | None = None,
        assignee: str | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        params = {"queue": queue, "status": status, "assignee": assignee, "limit": limit}
        return list(self.request("GET", "/cases", params=params)["cases"])

    def case(self, case_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", f"/cases/{case_id}")
        return result

    # ------------------------------------------------------------------ acting
    def claim(self, case_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("POST", f"/cases/{case_id}/claim")
        return result

    def unclaim(self, case_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("POST", f"/cases/{case_id}/unclaim")
        return result

    def note(self, case_id: str, text: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("POST", f"/cases/{case_id}/notes", json={"text": text})
        return result

    def reassign(
        self, case_id: str, *, queue: str | None = None, agent_id: str | None = None, reason: str = ""
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"reason": reason}
        if queue is not None:
            body["queue"] = queue
        if agent_id is not None:
            body["agent_id"] = agent_id
        result: dict[str, Any] = self.request("POST", f"/cases/{case_id}/reassign", json=body)
        return result

    def resolve(self, case_id: str, reason: str = "") -> dict[str, Any]:
        result: dict[str, Any] = self.request("POST", f"/cases/{case_id}/resolve", json={"reason": reason})
        return result

    def reopen(self, case_id: str, reason: str = "") -> dict[str, Any]:
        result: dict[str, Any] = self.request("POST", f"/cases/{case_id}/reopen", json={"reason": reason})
        return result

    def resolve_many(self, case_ids: list[str], reason: str = "") -> dict[str, str]:
        answer = self.request("POST", "/cases/resolve", json={"case_ids": case_ids, "reason": reason})
        return dict(answer["results"])

    def closed_automatically(self, limit: int = 50) -> list[dict[str, Any]]:
        return list(self.request("GET", "/closed-automatically", params={"limit": limit})["cases"])

    def restore(self, case_id: str, reason: str = "") -> dict[str, Any]:
        result: dict[str, Any] = self.request("POST", f"/cases/{case_id}/restore", json={"reason": reason})
        return result

    def like(self, case_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("POST", f"/cases/{case_id}/like")
        return result

    def follow(self, case_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("POST", f"/cases/{case_id}/follow")
        return result

    def canned_responses(self) -> list[dict[str, Any]]:
        return list(self.request("GET", "/canned-responses")["canned_responses"])

    def put_canned_response(self, response_id: str, title: str, text: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request(
            "PUT", f"/canned-responses/{response_id}", json={"title": title, "text": text}
        )
        return result

    def reply(
        self,
        case_id: str,
        text: str | None = None,
        *,
        canned_response_id: str | None = None,
        variables: dict[str, str] | None = None,
        channel: str | None = None,
        idempotency_key: str | None = None,
        attempts: int = 4,
        backoff_seconds: float = 1.0,
    ) -> dict[str, Any]:
        """Send a reply; the reply's delivery (status sent) or ApiError. Retries the unsettled ones with
        the same Idempotency-Key, so it is sent once however many attempts it takes."""
        body: dict[str, Any] = {}
        if text is not None:
            body["text"] = text
        if canned_response_id is not None:
            body["canned_response_id"] = canned_response_id
        if variables:
            body["variables"] = variables
        if channel is not None:
            body["channel"] = channel
        key = idempotency_key or uuid.uuid4().hex
        last: ApiError | None = None
        for attempt in range(1, attempts + 1):
            try:
                response = self.http.post(
                    f"{self.base_url}/cases/{case_id}/replies",
                    json=body,
                    headers=self._headers({"Idempotency-Key": key}),
                    timeout=self.timeout,
                )
            except requests.ConnectionError as exc:
                last = ApiError(0, "connection", f"{type(exc).__name__}: {exc}")
            else:
                retry = response.status_code in _RETRY_STATUSES or (
                    response.status_code == 409 and _code(response) == "in_progress"
                )
                if not retry:
                    result: dict[str, Any] = _answer(response, (201,))
                    return result
                last = _error(response)
            if attempt < attempts:
                self.sleep(backoff_seconds * 2 ** (attempt - 1))
        assert last is not None
        raise last


def _code(response: requests.Response) -> str:
    try:
        return str(response.json().get("error", {}).get("code", ""))
    except (ValueError, AttributeError):
        return ""


def _error(response: requests.Response) -> ApiError:
    try:
        body = response.json()
    except ValueError:
        return ApiError(response.status_code, "http", response.text[:200] or response.reason)
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return ApiError(response.status_code, str(error.get("code")), str(error.get("message")), body)
    message = body.get("message", response.reason) if isinstance(body, dict) else response.reason
    return ApiError(response.status_code, "http", str(message), body)  # API Gateway's own answers


def _answer(response: requests.Response, ok: tuple[int, ...]) -> Any:
    if response.status_code not in ok:
        raise _error(response)
    if response.status_code == 204 or not response.content:
        return None
    return response.json()
