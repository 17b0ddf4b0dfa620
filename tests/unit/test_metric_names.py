"""Metric names are declared once (carebird.metric_names): template.yaml's alarms and dashboard watch only
declared metrics, every declared metric is emitted somewhere, and code emits none by a bare string."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from samtranslator.yaml_helper import yaml_parse

from carebird.metric_names import MetricName

REPO = Path(__file__).resolve().parents[2]
NAMESPACE = "carebird"
CODE = [REPO / "layers" / "carebird", REPO / "functions"]
DECLARATION = REPO / "layers" / "carebird" / "metric_names.py"


def watched_metrics(template: dict[str, Any]) -> dict[str, set[str]]:
    """Each carebird metric the template's alarms and dashboards name, with the resources that name it."""
    found: dict[str, set[str]] = {}
    for logical_id, resource in template.get("Resources", {}).items():
        props = resource.get("Properties", {})
        if resource.get("Type") == "AWS::CloudWatch::Alarm":
            metrics = [props, *(q.get("MetricStat", {}).get("Metric", {}) for q in props.get("Metrics", []))]
            for metric in metrics:
                if metric.get("Namespace") == NAMESPACE and "MetricName" in metric:
                    found.setdefault(metric["MetricName"], set()).add(logical_id)
        elif resource.get("Type") == "AWS::CloudWatch::Dashboard":
            for name in _dashboard_metrics(props["DashboardBody"]):
                found.setdefault(name, set()).add(logical_id)
    return found


def _dashboard_metrics(body: Any) -> list[str]:
    if isinstance(body, dict):  # !Sub: the substitutions are ARNs and names, never a metric's name
        body = body["Fn::Sub"]
    widgets = json.loads(re.sub(r"\$\{[^}]*\}", "sub", body))["widgets"]
    names: list[str] = []
    for widget in widgets:
        namespace = name = None
        for row in widget.get("properties", {}).get("metrics", []):
            # A row is [namespace, name, dimension, value, ...]; "." repeats the row above.
            namespace = namespace if row[0] == "." else row[0]
            name = name if row[1] == "." else row[1]
            if namespace == NAMESPACE and name is not None:
                names.append(name)
    return names


def emitted_members() -> set[str]:
    """The MetricName members the code refers to (outside their declaration)."""
    used: set[str] = set()
    for root in CODE:
        for path in root.rglob("*.py"):
            if path != DECLARATION:
                used.update(re.findall(r"\bMetricName\.([A-Z_0-9]+)\b", path.read_text()))
    return used


def bare_names() -> list[str]:
    """Metrics emitted by a string literal rather than by their declared name."""
    literal = re.compile(r"""(?:add_metric|single_metric)\(\s*(?:name\s*=\s*)?(["'][^"']*["'])""")
    return [
        f"{path.relative_to(REPO)}: {match.group(1)}"
        for root in CODE
        for path in root.rglob("*.py")
        for match in literal.finditer(path.read_text())
    ]


def test_the_template_watches_only_declared_metrics() -> None:
    watched = watched_metrics(yaml_parse((REPO / "template.yaml").read_text()))
    assert {"PollSucceeded", "OldestUnansweredAge", "MentionsIngested", "Csat"} <= watched.keys()
    undeclared = {name: sorted(where) for name, where in watched.items() if name not in set(MetricName)}
    assert undeclared == {}, f"template.yaml names metrics that carebird.metric_names lacks: {undeclared}"


def test_every_declared_metric_is_emitted_by_its_declared_name() -> None:
    never = sorted(m.name for m in MetricName if m.name not in emitted_members())
    assert never == [], f"declared in carebird.metric_names but emitted nowhere: {never}"
    assert bare_names() == [], "emit metrics by their MetricName, not a string literal"


def stat(namespace: str, name: str) -> dict[str, Any]:
    return {"MetricStat": {"Metric": {"Namespace": namespace, "MetricName": name}}}


def test_the_check_finds_alarm_math_and_dashboard_metrics() -> None:
    body = json.dumps(
        {
            "widgets": [
                {"properties": {"region": "${AWS::Region}", "metrics": [["carebird", "Typo", "s", "p"]]}},
                {"properties": {"metrics": [["AWS/SQS", "Visible"], [".", "Other"]]}},
                {"properties": {"metrics": [["carebird", "PollErrors"], [".", "Gapz", ".", "."]]}},
            ]
        }
    )
    template = {
        "Resources": {
            "Plain": {
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {"Namespace": "carebird", "MetricName": "PollSucceeded"},
            },
            "Math": {
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {
                    "Metrics": [
                        {"Id": "a", **stat("carebird", "Slow")},
                        {"Id": "b", **stat("AWS/States", "X")},
                        {"Id": "c", "Expression": "a + b"},
                    ]
                },
            },
            "Board": {
                "Type": "AWS::CloudWatch::Dashboard",
                "Properties": {"DashboardBody": {"Fn::Sub": body}},
            },
        }
    }
    assert watched_metrics(template) == {
        "PollSucceeded": {"Plain"},
        "Slow": {"Math"},
        "Typo": {"Board"},
        "PollErrors": {"Board"},
        "Gapz": {"Board"},
    }
