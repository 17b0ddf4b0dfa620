"""The supervisor's view on the local stack, after the demo's story (seeded: tests/integration/
team_scenario.py): the figures the page shows, from the report and team routes over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from carebird_ops.agent_auth import sign_in
from carebird_ops.agent_client import AgentApiClient
from carebird_ops.local.endpoints import StackEndpoints
from tests.integration.agent_desk import stack_env
from tests.integration.team_scenario import PASSWORD, SUPERVISOR, TeamScenario, seed_team_scenario


@pytest.fixture(scope="module")
def scenario(local_stack: StackEndpoints) -> Iterator[tuple[TeamScenario, AgentApiClient]]:
    with stack_env(local_stack):
        seeded = seed_team_scenario(local_stack)
        token = sign_in(
            local_stack.resources["AgentUserPoolClient"], SUPERVISOR, PASSWORD, local_stack.agent_api
        )
        yield seeded, AgentApiClient(local_stack.agent_api, token.id_token)


def test_the_breach_is_late_and_one_sla_miss_and_the_low_score_reopened(
    scenario: tuple[TeamScenario, AgentApiClient],
) -> None:
    seeded, lead = scenario
    team = lead.request("GET", "/team")
    escalations = next(q for q in team["queues"] if q["queue"] == "escalations")
    assert escalations["breached"] == 1  # the ignored customer, still waiting, late
    ana = next(a for a in team["agents"] if a["agent_id"] == "tv-ana")
    assert ana["open_cases"] == 1 and ana["current_case"] is not None

    sla = lead.request("GET", "/reports/sla")
    assert sla["first_response"] == {"met": 3, "missed": 1, "met_pct": 75.0}
    assert sla["resolution"] == {"met": 3, "missed": 0, "met_pct": 100.0}
    csat = lead.request("GET", "/reports/csat")
    assert csat["answers"] == 3 and csat["distribution"] == {"1": 1, "2": 0, "3": 0, "4": 1, "5": 1}
    reopened = lead.request("GET", "/reports/reopened")
    assert (reopened["resolved"], reopened["reopened_after_low_score"]) == (3, 1)
    volume = lead.request("GET", "/reports/volume")
    assert volume["by_queue"] == {"billing": 4, "bookings": 1}
    assert lead.case(seeded.reopened_case)["status"] == "queued"
