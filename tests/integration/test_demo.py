"""`make demo`, as a new user runs it: `carebird demo` starts its own local stack from template.yaml, runs
the scripted customers and agents through the real product and prints its report. With --keep (as here,
to check it once rather than run the demo twice) the stack stays up in the usual state folder, where
`carebird local status` and `down` reach it, and the demo's agents can sign in with what it printed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from carebird_ops.agent_auth import sign_in
from carebird_ops.demo import SCRIPT
from carebird_ops.local.endpoints import StackEndpoints
from tests.conftest import carebird
from tests.integration.agent_desk import stack_env


@pytest.mark.timeout(900)
def test_the_demo_runs_the_product_end_to_end_and_reports_what_happened(tmp_path: Path) -> None:
    # An empty state directory: the demo finds no running stack, so it starts its own, and keeps it there.
    env = {"CAREBIRD_LOCAL_DIR": str(tmp_path / "state")}
    try:
        run = carebird("demo", "--json", "--keep", env=env, timeout=600)
        assert run.returncode == 0, run.stderr[-3000:]
        report = json.loads(run.stdout)
        _the_kept_stack_is_the_one_every_command_reaches(report["kept"], env, tmp_path / "state")
    finally:
        carebird("local", "down", env=env)
    assert carebird("local", "status", env=env).returncode != 0

    # Every scripted customer's mention came in from the X emulator, and was triaged into a case or closed.
    assert report["mentions_ingested"] >= len(SCRIPT)
    assert report["cases_opened"] >= 1 and report["cases_closed_as_noise"] >= 1
    assert sum(report["cases_by_queue"].values()) == report["cases_opened"]
    # Agents answered through the agent API; each reply is on X, threaded under the customer's post.
    assert report["replies_sent"] >= 1 and report["reply_failures"] == []
    assert report["replies_threaded_under_customer"] == report["replies_sent"]
    assert report["reply_posts_on_x"] >= report["replies_sent"]
    # The ignored customer breached the SLA, and the alarm went off and cleared.
    assert report["sla_breaches"] >= 1 and report["breached_case"]
    alarms = report["alarm_notifications"]
    assert "carebird-SlaBreachAlarm: ALARM" in alarms and "carebird-SlaBreachAlarm: OK" in alarms
    assert alarms.index("carebird-SlaBreachAlarm: ALARM") < alarms.index("carebird-SlaBreachAlarm: OK")
    # Resolved cases were surveyed and every survey answered; the ratings were recorded.
    assert report["surveys_sent"] >= 1 and report["surveys_answered"] == report["surveys_sent"]
    assert report["csat_avg"] is not None
    # The report comes from the supervisors' report routes, and its figures agree with each other: the
    # breach is a miss, so SLA met % is met / (met + missed), never 100 beside a breach.
    met, missed = report["sla_met"], report["sla_breaches"]
    assert report["sla_met_pct"] == round(100 * met / (met + missed), 1) < 100
    assert report["sla_by_clock"]["first_response"]["missed"] >= 1
    assert report["surveys_answered"] == sum(report["csat_distribution"].values()) == len(report["surveys"])
    assert report["reopened_after_low_score"] == len(report["reopened_after_survey"]) >= 1
    assert report["first_responses"] >= 1 and report["report_read_units"] > 0


def _the_kept_stack_is_the_one_every_command_reaches(
    kept: dict[str, Any], env: dict[str, str], state: Path
) -> None:
    status = carebird("local", "status", env=env)
    assert status.returncode == 0, status.stderr
    stack = json.loads((state / "stack.json").read_text())
    assert stack["agent_api"] in status.stdout and kept["state_dir"] == str(state.resolve())
    assert kept["inbox_url"] == stack["agent_api"].rstrip("/") + "/inbox/"
    # The printed sign-ins work: each demo agent gets a token the agent API takes.
    assert {s["username"] for s in kept["sign_ins"]} == {"ana", "ben", "chen", "sam"}
    client_id = stack["resources"]["AgentUserPoolClient"]
    with stack_env(StackEndpoints(**stack)):
        for who in kept["sign_ins"]:
            session = sign_in(client_id, who["username"], who["password"], stack["agent_api"])
            me = requests.get(
                f"{stack['agent_api']}/me", headers={"Authorization": session.id_token}, timeout=30
            )
            assert me.status_code == 200 and me.json()["name"] == who["name"]
    down = carebird("local", "down", env=env)
    assert down.returncode == 0 and f"pid {stack['pid']}" in down.stdout
