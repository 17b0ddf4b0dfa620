"""SLA breaches as EMF: one SlaBreaches under the function's dimensions (what the alarm watches) and one
by brand, queue and priority (where it hurts)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from carebird.adapters.aws.metrics import PowertoolsSlaMetrics
from carebird.observability import metrics


def test_a_breach_is_counted_for_the_alarm_and_by_brand_queue_and_priority(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(metrics, "namespace", "carebird")
    PowertoolsSlaMetrics().breach("acme", "billing", "P2")
    metrics.flush_metrics()

    emitted: list[dict[str, Any]] = [
        json.loads(line)
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("{") and "_aws" in line
    ]
    breaches = [doc for doc in emitted if "SlaBreaches" in doc]
    assert len(breaches) == 2
    assert all(doc["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "carebird" for doc in breaches)
    detailed = next(doc for doc in breaches if "brand" in doc)
    assert set(detailed["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0]) >= {"brand", "queue", "priority"}
    assert (detailed["brand"], detailed["queue"], detailed["priority"]) == ("acme", "billing", "P2")
    assert detailed["SlaBreaches"] == [1.0]
    plain = next(doc for doc in breaches if "brand" not in doc)
    assert plain["SlaBreaches"] == [1.0]
