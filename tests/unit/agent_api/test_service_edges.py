"""Case work under concurrency (the first-response signal: tests/unit/adapters/aws/test_sla_signal.py)."""

from __future__ import annotations

import pytest

from carebird.cases.model import CaseStatus
from carebird.cases.ports import CaseConflict
from carebird.casework.errors import Conflict, TransitionNotAllowed
from carebird.casework.model import ReplyRequest
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
    save = world.cases.save

    def conversation_owned_elsewhere(updated: object) -> object:
        raise CaseConflict("the conversation belongs to another open case")  # the version did not move

    world.cases.save = conversation_owned_elsewhere  # type: ignore[method-assign,assignment]
    with pytest.raises(TransitionNotAllowed, match="continues in another open case"):
        world.service.reopen(p, case.id)
    world.cases.save = save  # type: ignore[method-assign]


def test_the_same_reply_id_with_other_text_is_refused(world: CaseWorld) -> None:
    case = world.open_case(assignee="ana")
    p = world.service.principal(case.brand_id, "ana")
    world.service.reply(p, case.id, ReplyRequest(text="first"), "r1")
    with pytest.raises(Conflict, match="already sent with other text"):
        world.service.reply(p, case.id, ReplyRequest(text="second"), "r1")
    assert len(world.x.brand_posts()) == 1
