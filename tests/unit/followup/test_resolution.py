"""Resolving a case schedules its survey once; a scheduling failure never fails the resolution."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from carebird.cases.model import Case
from carebird.followup.model import SurveyStatus
from carebird.followup.service import FollowupService, ResolvedCaseSurveys
from tests.support.casework_fakes import CaseWorld
from tests.unit.followup.test_service import FakeDeliverer, FakeSurveys


def test_resolving_a_case_schedules_one_survey_under_the_customers_last_post() -> None:
    world = CaseWorld()
    store = FakeSurveys()
    followup = FollowupService(
        store, FakeDeliverer(), lambda _: {"survey": {"delay_minutes": 10}}, world.clock.now
    )
    world.service.on_resolved = ResolvedCaseSurveys(
        followup, lambda _: "AcmeHelp", lambda case_id: [m.id for m in world.cases.messages(case_id)]
    )
    case = world.open_case(assignee="ana")
    principal = world_principal(world, case)
    world.service.resolve(principal, case.id, "refund issued")
    survey = store.items[case.id]
    assert survey.status is SurveyStatus.DUE and survey.brand_handle == "AcmeHelp"
    assert (
        survey.reply_to_tweet_id == case.message_ids[-1] and survey.conversation_ids == case.conversation_ids
    )
    assert survey.due_at == world.clock.now() + timedelta(minutes=10)


def test_a_survey_that_cannot_be_scheduled_does_not_fail_the_resolution() -> None:
    world = CaseWorld()

    class Broken:
        def case_resolved(self, case: Case, at: datetime) -> None:
            raise RuntimeError("table unavailable")

    world.service.on_resolved = Broken()
    case = world.open_case(assignee="ana")
    resolved = world.service.resolve(world_principal(world, case), case.id)
    assert resolved.status.value == "resolved"
    assert world.metrics.total("SurveyScheduleFailures") == 1


def world_principal(world: CaseWorld, case: Case) -> Any:
    from carebird.casework.model import Principal as RealPrincipal

    return RealPrincipal(
        agent_id="ana", brand_id=case.brand_id, role="supervisor", name="Ana", queues=frozenset()
    )
