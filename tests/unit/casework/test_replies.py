"""Replies keyed by the client: a retry resumes the same reply, other text under the same key is refused."""

from __future__ import annotations

import pytest

from carebird.casework.errors import Conflict
from carebird.casework.model import ReplyRequest
from tests.support.casework_fakes import CaseWorld


def test_the_same_reply_id_with_other_text_is_refused(world: CaseWorld) -> None:
    case = world.open_case(assignee="ana")
    p = world.service.principal(case.brand_id, "ana")
    world.service.reply(p, case.id, ReplyRequest(text="first"), "r1")
    with pytest.raises(Conflict, match="already sent with other text"):
        world.service.reply(p, case.id, ReplyRequest(text="second"), "r1")
    assert len(world.x.brand_posts()) == 1
