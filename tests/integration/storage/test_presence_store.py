"""Presence marks on moto and on DynamoDB Local: one item per agent and case, refreshed in place."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from carebird.casework.model import Presence
from carebird.storage.presence import DynamoPresenceBoard
from tests.integration.storage.conftest import Engine

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_marks_are_per_agent_and_case_and_refresh_in_place(engine: Engine) -> None:
    board = DynamoPresenceBoard(engine.table_name, host=engine.host)
    board.mark("acme-t1", Presence(agent_id="ana", name="Ana", typing=False, until=NOW))
    board.mark("acme-t1", Presence(agent_id="ben", name="Ben", typing=False, until=NOW))
    board.mark(
        "acme-t1", Presence(agent_id="ana", name="Ana", typing=True, until=NOW + timedelta(seconds=30))
    )
    board.mark("acme-t2", Presence(agent_id="chen", name="Chen", typing=False, until=NOW))
    marks = {m.agent_id: m for m in board.present("acme-t1")}
    assert set(marks) == {"ana", "ben"}
    assert marks["ana"].typing is True and marks["ana"].until == NOW + timedelta(seconds=30)
    assert [m.agent_id for m in board.present("acme-t2")] == ["chen"]
    assert board.present("acme-t9") == []
    item = engine.client.get_item(
        TableName=engine.table_name, Key={"pk": {"S": "PRESENCE#acme-t1"}, "sk": {"S": "AGENT#ana"}}
    )["Item"]
    assert int(item["expires_at"]["N"]) == int((NOW + timedelta(seconds=30)).timestamp()) + 1  # the TTL
