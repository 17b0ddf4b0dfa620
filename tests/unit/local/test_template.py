"""The repository's template.yaml, read as the local stack reads it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from carebird_ops.local.template import TemplateError, find_template, load

REPO = Path(__file__).resolve().parents[3]


def test_every_function_and_layer_points_at_source_in_the_tree() -> None:
    t = load(find_template(REPO / "functions"))
    assert set(t.code_dirs) == {
        "PollFunction",
        "ClassifyFunction",
        "RouteFunction",
        "SlaAlarmFunction",
        "AgentApiFunction",
        "FollowupFunction",
    }
    for logical_id, path in t.code_dirs.items():
        assert (path / "app.py").is_file(), logical_id
    assert [p.name for p in t.layer_dirs.values()] == ["layers"]
    assert (next(iter(t.layer_dirs.values())) / "carebird" / "__init__.py").is_file()


def test_state_machine_definition_keeps_its_substitutions() -> None:
    t = load(REPO / "template.yaml")
    machine = t.resources["TriageStateMachine"]["Properties"]
    assert "ClassifyFunctionArn" in machine["DefinitionSubstitutions"]
    assert "${ClassifyFunctionArn}" in json.dumps(machine["DefinitionString"])


def test_schedule_and_api_come_out_of_the_transform() -> None:
    t = load(REPO / "template.yaml")
    kinds = {r["Type"] for r in t.resources.values()}
    assert {"AWS::Events::Rule", "AWS::ApiGatewayV2::Api", "AWS::StepFunctions::StateMachine"} <= kinds
    stages = [r["Properties"] for r in t.resources.values() if r["Type"] == "AWS::ApiGatewayV2::Stage"]
    assert [s["StageName"] for s in stages] == ["v1"]  # one named stage, no $default beside it


def test_invalid_template_fails_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      CodeUri: missing/\n      Handler: app.handler\n      Runtime: python3.12\n"
    )
    with pytest.raises(TemplateError, match=r"F\.CodeUri"):
        load(tmp_path / "template.yaml")


def test_find_template_outside_the_repo_explains(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match=r"no template\.yaml"):
        find_template(tmp_path)
