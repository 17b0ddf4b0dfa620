"""No agent action can wedge a case: long histories stay workable, a case that cannot be stored says so
(never a misleading conflict), and a claim whose save fails takes none of the agent's capacity."""

from __future__ import annotations

from tests.support.casework_fakes import CaseWorld
from tests.unit.agent_api.conftest import Api

REASON = "🦜" * 500  # the longest reason the API takes, 2 KB in UTF-8


def test_two_hundred_reassignments_with_long_reasons_leave_the_case_workable(
    api: Api, world: CaseWorld
) -> None:
    case_id = world.open_case().id
    for n in range(100):
        for agent in ("ana", "ben"):
            answer = api.post(
                f"/cases/{case_id}/reassign", {"agent_id": agent, "reason": REASON}, agent="sue"
            )
            assert answer.status == 200, (n, answer.body)
    assert api.post(f"/cases/{case_id}/notes", {"text": "still here"}, agent="sue").status == 201
    detail = api.get(f"/cases/{case_id}", agent="sue").body
    assert len(detail["reasons"]) == 200
    assert api.post(f"/cases/{case_id}/resolve", {"reason": REASON}, agent="sue").status == 200


def test_a_claim_whose_save_fails_takes_no_capacity(api: Api, world: CaseWorld) -> None:
    case_id = world.open_case().id
    world.cases.conflicts_to_inject = 99  # every save loses to a concurrent change
    answer = api.post(f"/cases/{case_id}/claim")
    assert answer.status == 409 and answer.body["error"]["code"] == "conflict"
    assert world.roster.holder(case_id) is None
    assert world.roster.by_id["ana"].open_cases == 0
    world.cases.conflicts_to_inject = 0
    assert api.post(f"/cases/{case_id}/claim").status == 200
    assert world.roster.holder(case_id) == "ana" and world.roster.by_id["ana"].open_cases == 1


def test_a_case_too_large_to_store_is_a_named_422_and_takes_nothing(api: Api, world: CaseWorld) -> None:
    grown = world.open_case()
    huge = grown.model_copy(update={"message_ids": tuple(f"{n:019d}" for n in range(20_000))})
    world.cases.cases[grown.id] = huge
    answer = api.post(f"/cases/{grown.id}/claim")
    assert answer.status == 422, answer.body
    assert answer.body["error"]["code"] == "case_too_large"
    assert "another open case" not in answer.body["error"]["message"]
    assert world.roster.holder(grown.id) is None and world.roster.by_id["ana"].open_cases == 0
    assert world.metrics.total("CaseTooLarge") == 1


def test_reasons_and_notes_past_their_limit_are_a_clear_422(api: Api, world: CaseWorld) -> None:
    case_id = world.open_case(assignee="ana").id
    long_reason = api.post(f"/cases/{case_id}/resolve", {"reason": "r" * 501})
    assert long_reason.status == 422 and "at most 500" in long_reason.body["error"]["message"]
    long_note = api.post(f"/cases/{case_id}/notes", {"text": "n" * 5001})
    assert long_note.status == 422 and "at most 5000" in long_note.body["error"]["message"]
