"""`make demo`, as a new user runs it: `carebird demo` starts its own local stack from template.yaml, runs
the scripted customers and agents through the real product, prints its report and stops the stack."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from carebird_ops.demo import SCRIPT
from tests.conftest import carebird


@pytest.mark.timeout(900)
def test_the_demo_runs_the_product_end_to_end_and_reports_what_happened(tmp_path: Path) -> None:
    # An empty state directory: the demo finds no running stack, so it starts (and stops) its own.
    run = carebird("demo", "--json", env={"CAREBIRD_LOCAL_DIR": str(tmp_path / "none")}, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout)

    # Every scripted customer's mention came in from the X emulator, and was triaged into a case or closed.
    assert report["mentions_ingested"] >= len(SCRIPT)
    assert report["cases_opened"] >= 1 and report["cases_closed_as_noise"] >= 1
    assert sum(report["cases_by_queue"].values()) == report["cases_opened"]
    # Agents answered through the agent API; each reply is on X, threaded under the customer's post.
    assert report["replies_sent"] >= 1 and report["reply_failures"] == []
    assert report["replies_threaded_under_customer"] == report["replies_sent"]
    assert report["reply_posts_on_x"] >= report["replies_sent"]
    # Nothing closed unseen but the sure spam; the praise waited in the acknowledge lane, was liked on X
    # and resolved; the customer who asked to DM was followed and answered by DM.
    closed = [c for c in report["cases"] if c["status"] == "closed"]
    assert [c["customer"] for c in closed] == ["dave"]
    assert [a.split(":")[0] for a in report["acknowledged"]] == ["@erin"]
    assert [f.split(":")[0] for f in report["followed_and_dmed"]] == ["@ines"]
    # The ignored customer breached the SLA, and the alarm went off and cleared.
    assert report["sla_breaches"] >= 1 and report["breached_case"]
    alarms = report["alarm_notifications"]
    assert "carebird-SlaBreachAlarm: ALARM" in alarms and "carebird-SlaBreachAlarm: OK" in alarms
    assert alarms.index("carebird-SlaBreachAlarm: ALARM") < alarms.index("carebird-SlaBreachAlarm: OK")
    # Resolved cases were surveyed and every survey answered; the ratings were recorded.
    assert report["surveys_sent"] >= 1 and report["surveys_answered"] == report["surveys_sent"]
    assert report["csat_avg"] is not None
