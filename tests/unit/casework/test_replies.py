"""Replies keyed by the client: a retry resumes the same reply, other text under the same key is refused."""

from __future__ import annotations

from typing import Any

import pytest

from carebird.casework.errors import Conflict
from carebird.casework.model import ReplyRequest
from carebird.sla.ports import watch_key
from tests.support.casework_fakes import CaseWorld


def first_response_seen_at_signal(world: CaseWorld, case_id: str) -> list[object]:
    """What the stored case's first response was each time a legacy watch was told to look again (the
    signal still goes out): the watch, woken, must read the answered case."""
    seen: list[object] = []
    send = world.signal.look_again

    def record(token: str, output: dict[str, Any]) -> None:
        stored = world.cases.get(case_id)
        seen.append(stored.first_response_at if stored else None)
        send(token, output)

    world.signal.look_again = record  # type: ignore[method-assign]
    return seen


def test_the_same_reply_id_with_other_text_is_refused(world: CaseWorld) -> None:
    case = world.open_case(assignee="ana")
    p = world.service.principal(case.brand_id, "ana")
    world.service.reply(p, case.id, ReplyRequest(text="first"), "r1")
    with pytest.raises(Conflict, match="already sent with other text"):
        world.service.reply(p, case.id, ReplyRequest(text="second"), "r1")
    assert len(world.x.brand_posts()) == 1


def test_the_waiting_workflow_is_signalled_after_the_first_response_is_saved(world: CaseWorld) -> None:
    case = world.open_case(assignee="ana", first_response_task_token="tok-first")
    seen_at_signal = first_response_seen_at_signal(world, case.id)
    p = world.service.principal(case.brand_id, "ana")
    world.service.reply(p, case.id, ReplyRequest(text="On it!"), "r1")
    assert [token for token, _ in world.signal.sent] == ["tok-first"]
    assert seen_at_signal[0] is not None  # the watch, woken, reads the answered case


def test_the_first_reply_reads_the_watch_token_kept_beside_the_case_and_signals_it_once_saved(
    world: CaseWorld,
) -> None:
    case = world.open_case(assignee="ana", watched={"first_response": watch_key("watch:tok")})
    world.cases.keep_watch_token(case.id, "first_response", watch_key("watch:tok"), "watch:tok")
    seen_at_signal = first_response_seen_at_signal(world, case.id)
    p = world.service.principal(case.brand_id, "ana")
    world.service.reply(p, case.id, ReplyRequest(text="On it!"), "r1")
    assert [token for token, _ in world.signal.sent] == ["watch:tok"]
    assert seen_at_signal[0] is not None
    stored = world.cases.get(case.id)
    assert stored is not None and stored.watched == {} and stored.first_response_task_token is None


def test_a_signal_that_fails_after_the_save_loses_no_reply(world: CaseWorld) -> None:
    case = world.open_case(assignee="ana", first_response_task_token="tok-first")

    def fail(token: str, output: dict[str, Any]) -> None:
        raise RuntimeError("Step Functions unavailable")

    world.signal.look_again = fail  # type: ignore[method-assign]
    p = world.service.principal(case.brand_id, "ana")
    view = world.service.reply(p, case.id, ReplyRequest(text="On it!"), "r1")
    assert view.status == "sent"
    stored = world.cases.get(case.id)
    assert stored is not None and stored.first_response_at is not None  # the watch finds it at its next wake
