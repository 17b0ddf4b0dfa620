"""Presence marks on the unit tests' fake, moto and DynamoDB Local: one mark per agent and case, refreshed
in place; in DynamoDB an item that expires by TTL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from carebird.casework.model import Presence
from carebird.storage.presence import DynamoPresenceBoard
from tests.integration.storage.conftest import FAKE_AND_ENGINES, Engine, fake_or_adapter
from tests.support.casework_fakes import FakePresence

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture(params=FAKE_AND_ENGINES)
def board(request: pytest.FixtureRequest, aws_env: None) -> Iterator[FakePresence | DynamoPresenceBoard]:
    with fake_or_adapter(request, FakePresence, DynamoPresenceBoard) as board:
        yield board


def test_marks_are_per_agent_and_case_and_refresh_in_place(board: FakePresence | DynamoPresenceBoard) -> None:
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


def test_a_mark_is_an_item_whose_ttl_moves_with_each_refresh(engine: Engine) -> None:
    board = DynamoPresenceBoard(engine.table_name, host=engine.host)
    board.mark("acme-t1", Presence(agent_id="ana", name="Ana", typing=False, until=NOW))
    board.mark(
        "acme-t1", Presence(agent_id="ana", name="Ana", typing=True, until=NOW + timedelta(seconds=30))
    )
    item = engine.client.get_item(
        TableName=engine.table_name, Key={"pk": {"S": "PRESENCE#acme-t1"}, "sk": {"S": "AGENT#ana"}}
    )["Item"]
    assert int(item["expires_at"]["N"]) == int((NOW + timedelta(seconds=30)).timestamp()) + 1  # the TTL
