"""Reading a brand's DMs from X with tweepy: GET /2/dm_events in the brand account's user context.

Implements `carebird.ingest.ports.DmReader`. X lists the DM events of all the account's conversations,
newest first, and has no since_id for them: the poller pages until it meets its cursor. Only
MessageCreate events are asked for (joins and leaves are not messages), with the sender expanded. The
read limit is X's 300 requests per 15 minutes per user; the poller paces by the headers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import requests
from requests.adapters import BaseAdapter

from carebird.adapters.x.client import BrandClients, CredentialsLoader
from carebird.adapters.x.reads import (
    USER_FIELDS,
    included_users,
    json_object,
    parse_time,
    rate_limit,
    x_errors,
)
from carebird.brands import Brand
from carebird.ingest.model import DirectMessage, DmPage, DmSender
from carebird.ports.x import TransientXError

DM_EVENT_FIELDS = ["created_at", "sender_id", "dm_conversation_id", "text"]
EVENT_TYPES = ["MessageCreate"]
EXPANSIONS = ["sender_id"]


class TweepyDmReader:
    def __init__(
        self,
        credentials: CredentialsLoader,
        base_url: str | None = None,
        *,
        timeout_seconds: float = 10.0,
        transport: BaseAdapter | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._clients = BrandClients(
            credentials, base_url, timeout_seconds=timeout_seconds, transport=transport
        )
        self._clock = clock

    def read_dm_events(self, brand: Brand, pagination_token: str | None, max_results: int) -> DmPage:
        client = self._clients.client(brand.credentials_secret)
        params: dict[str, Any] = {
            "max_results": max_results,
            "dm_event_fields": DM_EVENT_FIELDS,
            "event_types": EVENT_TYPES,
            "expansions": EXPANSIONS,
            "user_fields": USER_FIELDS,
            "user_auth": True,
        }
        if pagination_token is not None:
            params["pagination_token"] = pagination_token
        with x_errors(brand, "DM events", self._clock):
            response: requests.Response = client.get_direct_message_events(**params)
        return _page(response)


def _page(response: requests.Response) -> DmPage:
    body = json_object(response, "DM events")
    data = [e for e in body.get("data") or [] if e.get("event_type", "MessageCreate") == "MessageCreate"]
    users = included_users(body)
    meta = body.get("meta") or {}
    try:
        events = [_dm(event, users) for event in data]
    except (KeyError, TypeError, ValueError) as exc:
        raise TransientXError(f"X returned a DM event this adapter cannot read: {exc!r}") from None
    return DmPage(
        events=events,
        next_token=meta.get("next_token") or None,
        rate=rate_limit(response.headers),
        reads=len(body.get("data") or []),
    )


def _dm(event: dict[str, Any], users: dict[str, dict[str, Any]]) -> DirectMessage:
    sender_id = str(event["sender_id"])
    user = users.get(sender_id, {})
    return DirectMessage(
        id=str(event["id"]),
        text=event.get("text") or "",
        created_at=parse_time(event["created_at"]),
        sender=DmSender(
            id=sender_id,
            username=user.get("username", ""),
            name=user.get("name", ""),
            followers_count=(user.get("public_metrics") or {}).get("followers_count"),
            verified=user.get("verified"),
        ),
        dm_conversation_id=event.get("dm_conversation_id"),
    )
