"""Who has a case open in the inbox: one small item per agent and case (carebird.casework.ports
PresenceBoard), never a write to the case itself.

    entity     pk                sk               attributes
    presence   PRESENCE#<case>   AGENT#<agent>    name, typing, until (ISO UTC), expires_at (epoch s, TTL)

- mark: PutItem over the agent's item (the page refreshes it every few seconds while the case is open).
- the case's marks: Query PRESENCE#<case>. DynamoDB's TTL deletes expired items late (within days), so
  the reader drops marks whose `until` has passed; `expires_at` only keeps the table clean.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute

from carebird.casework.model import Presence
from carebird.storage.table import TableItem, bind


class PresenceItem(TableItem):
    agent_id = UnicodeAttribute()
    name = UnicodeAttribute()
    typing = BooleanAttribute()
    until = UnicodeAttribute()
    expires_at = NumberAttribute()


class DynamoPresenceBoard:
    def __init__(self, table_name: str, *, host: str | None = None, region: str | None = None) -> None:
        self._item = bind(PresenceItem, table_name, host=host, region=region)

    def mark(self, case_id: str, presence: Presence) -> None:
        self._item(
            f"PRESENCE#{case_id}",
            f"AGENT#{presence.agent_id}",
            agent_id=presence.agent_id,
            name=presence.name,
            typing=presence.typing,
            until=presence.until.astimezone(UTC).isoformat(),
            expires_at=int(presence.until.timestamp()) + 1,
        ).save()

    def present(self, case_id: str) -> list[Presence]:
        return [
            Presence(
                agent_id=item.agent_id,
                name=item.name,
                typing=bool(item.typing),
                until=datetime.fromisoformat(item.until),
            )
            for item in self._item.query(f"PRESENCE#{case_id}", self._item.sk.startswith("AGENT#"))
        ]
