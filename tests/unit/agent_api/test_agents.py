"""GET /agents: the brand's agents and supervisors, for the reassign picker (carebird.agent_api.agents)."""

from __future__ import annotations

from tests.support.casework_fakes import CaseWorld
from tests.unit.agent_api.conftest import Api


def test_agents_list_the_brand_for_agents_and_supervisors(api: Api, world: CaseWorld) -> None:
    case = world.open_case()
    api.post(f"/cases/{case.id}/claim", agent="ben")
    listed = api.get("/agents").body["agents"]
    assert [a["id"] for a in listed] == ["ana", "ben", "chen", "sue", "tri"]
    ben = next(a for a in listed if a["id"] == "ben")
    assert ben == {
        "id": "ben", "name": "Ben", "available": True, "skills": ["billing", "bookings"], "languages": ["en"],
        "open_cases": 1, "capacity": 5, "supervisor": False,
    }  # fmt: skip
    assert next(a for a in listed if a["id"] == "sue")["supervisor"] is True
    assert api.get("/agents", agent="sue").body["agents"] == listed
    assert api.get("/agents", brand="999").status == 403
    assert api.get("/agents", agent="mallory").status == 403
