"""Who is asking and what they see (carebird.casework.access): queues by skill, a supervisor's every
queue, another brand's case as no case at all, another queue's case as forbidden."""

from __future__ import annotations

import pytest

from carebird.brands.desk import load_triage_config
from carebird.cases.model import Agent
from carebird.casework.access import queues_of
from carebird.casework.errors import Forbidden, NotFound, UnknownAgent
from tests.support.casework_fakes import BRAND_ID, CaseWorld

CONFIG = load_triage_config(None)


def test_an_agent_works_the_queues_of_their_skills_and_queues_named_among_them() -> None:
    agent = Agent(id="a", brand_id="b", skills=("billing", "triage", "no-such-skill"))
    assert queues_of(agent, CONFIG) == {"billing", "triage"}
    supervisor = Agent(id="s", brand_id="b", role="supervisor")
    assert queues_of(supervisor, CONFIG) == set(CONFIG.queues)


def test_an_agent_without_a_record_is_unknown(world: CaseWorld) -> None:
    with pytest.raises(UnknownAgent, match="carebird agent add"):
        world.service.principal(BRAND_ID, "mallory")


def test_another_brands_case_does_not_exist_and_another_queues_case_is_forbidden(world: CaseWorld) -> None:
    billing = world.open_case()
    technical = world.open_case("@AcmeHelp the app crashes", queue="technical", skill="technical")
    ana = world.service.principal(billing.brand_id, "ana")  # billing only
    assert world.service.case(ana, billing.id).case.id == billing.id
    with pytest.raises(Forbidden, match="queue technical"):
        world.service.case(ana, technical.id)
    elsewhere = billing.model_copy(update={"id": "2000-t1", "brand_id": "2000", "version": 0})
    world.cases.create(elsewhere, world.cases.messages(billing.id)[0].model_copy(update={"id": "9"}))
    with pytest.raises(NotFound):
        world.service.case(ana, elsewhere.id)
    sue = world.service.principal(billing.brand_id, "sue")
    assert world.service.case(sue, technical.id).case.queue == "technical"
