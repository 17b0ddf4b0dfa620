"""Reading a brand's DMs from X with tweepy: GET /2/dm_events in the brand account's user context.

Implements `carebird.ingest.ports.DmReader`, in the reader shape of `carebird.adapters.x.reads`. X
lists the DM events of all the account's conversations, newest first, and has no since_id for them:
the poller pages until it meets its cursor. Only MessageCreate events are asked for (joins and leaves
are not messages), without expanding the sender (X would bill a user read for it; the profile comes
from `carebird.ingest.profiles`). The read limit is X's 300 requests per 15 minutes per
user; the poller paces by the headers.
"""

from __future__ import annotations

from typing import Any

import requests
import tweepy

from carebird.adapters.x.reads import TweepyFeedReader, author_of, included_users, parse_time
from carebird.brands import Brand
from carebird.ingest.model import DirectMessage, DmQuery, DmSender
from carebird.ports.x import TransientXError

DM_EVENT_FIELDS = ["created_at", "sender_id", "dm_conversation_id", "text"]
EVENT_TYPES = ["MessageCreate"]


class TweepyDmReader(TweepyFeedReader[DmQuery, DirectMessage]):
    what = "DM events"
    source = "DM events"

    def _request(self, client: tweepy.Client, brand: Brand, query: DmQuery) -> requests.Response:
        params: dict[str, Any] = {
            "max_results": query.max_results,
            "dm_event_fields": DM_EVENT_FIELDS,
            "event_types": EVENT_TYPES,
            "user_auth": True,
        }
        if query.pagination_token is not None:
            params["pagination_token"] = query.pagination_token
        response: requests.Response = client.get_direct_message_events(**params)
        return response

    def _messages(self, body: dict[str, Any]) -> tuple[list[DirectMessage], int]:
        data = [e for e in body.get("data") or [] if e.get("event_type", "MessageCreate") == "MessageCreate"]
        users = included_users(body)
        try:
            events = [_dm(event, users) for event in data]
        except (KeyError, TypeError, ValueError) as exc:
            raise TransientXError(f"X returned a DM event this adapter cannot read: {exc!r}") from None
        return events, len(body.get("data") or [])


def _dm(event: dict[str, Any], users: dict[str, dict[str, Any]]) -> DirectMessage:
    sender_id = str(event["sender_id"])
    user = users.get(sender_id, {})
    return DirectMessage(
        id=str(event["id"]),
        text=event.get("text") or "",
        created_at=parse_time(event["created_at"]),
        sender=DmSender.of(author_of(user)) if user else DmSender(id=sender_id),
        dm_conversation_id=event.get("dm_conversation_id"),
    )
