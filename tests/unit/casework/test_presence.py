"""Collision (carebird.casework.presence): an agent sees the others on the case, not themselves, and not
a mark past its time."""

from __future__ import annotations

from carebird.casework.presence import PRESENCE_SECONDS
from tests.support.casework_fakes import CaseWorld


def test_others_present_are_shown_by_name_until_their_mark_runs_out(world: CaseWorld) -> None:
    case = world.open_case()
    ana, ben, sue = (world.service.principal(case.brand_id, a) for a in ("ana", "ben", "sue"))
    assert world.service.mark_presence(sue, case.id, typing=False) == []
    world.clock.advance(PRESENCE_SECONDS - 5)
    world.service.mark_presence(ben, case.id, typing=True)
    seen = world.service.mark_presence(ana, case.id, typing=False)
    assert [(m.agent_id, m.typing) for m in seen] == [("ben", True), ("sue", False)]
    world.clock.advance(10)  # sue's mark has run out, ben's has not
    assert [m.agent_id for m in world.service.case(ana, case.id).presence] == ["ben"]
