"""Case work under concurrency: a change lost to a concurrent save is read again and re-applied, never
half done (carebird.casework.changes)."""

from __future__ import annotations

import pytest

from carebird.cases.model import CaseStatus
from carebird.casework.errors import Conflict, TransitionNotAllowed
from tests.support.casework_fakes import CaseWorld


def test_a_concurrent_change_is_read_again_and_the_action_reapplied(world: CaseWorld) -> None:
    case = world.open_case()
    p = world.service.principal(case.brand_id, "ana")
    world.cases.conflicts_to_inject = 2
    claimed = world.service.claim(p, case.id)
    assert claimed.assignee == "ana" and claimed.version == 4  # two foreign saves, then ours


def test_a_case_that_never_stops_changing_is_a_conflict_not_a_half_done_action(world: CaseWorld) -> None:
    case = world.open_case()
    p = world.service.principal(case.brand_id, "ana")
    world.cases.conflicts_to_inject = 50
    with pytest.raises(Conflict, match="kept changing"):
        world.service.claim(p, case.id)


def test_reopening_when_the_conversation_continues_in_another_case_is_refused(world: CaseWorld) -> None:
    case = world.open_case(status=CaseStatus.RESOLVED)
    p = world.service.principal(case.brand_id, "ana")
    # The customer wrote again in the same conversation: triage opened a new case for it.
    later = case.model_copy(update={"id": f"{case.id}-later", "status": CaseStatus.QUEUED, "version": 0})
    world.cases.create(later, world.cases.messages(case.id)[0])
    with pytest.raises(TransitionNotAllowed, match="continues in another open case"):
        world.service.reopen(p, case.id)
    stored = world.cases.get(case.id)
    assert stored is not None and stored.status is CaseStatus.RESOLVED and stored.version == case.version
