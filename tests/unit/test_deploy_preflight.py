"""`carebird deploy-preflight` (make deploy): a stack deployed with indexes projecting every attribute is
deployed with IndexProjection=ALL, samconfig.toml's own overrides kept; a configuration asking for what the
deployed table cannot take is refused before CloudFormation rolls it back."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from carebird_ops.cli import CliError, main
from carebird_ops.cli.deploy import (
    decide,
    deployed_projections,
    parse_overrides,
    read_samconfig,
    render_overrides,
)

REGION = "us-east-1"


def table_template(projection: str, second_projection: str | None = None) -> str:
    def index(name: str, kind: str) -> dict[str, object]:
        return {
            "IndexName": name,
            "KeySchema": [
                {"AttributeName": f"{name}pk", "KeyType": "HASH"},
                {"AttributeName": f"{name}sk", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": kind},
        }

    return json.dumps(
        {
            "Resources": {
                "CarebirdTable": {
                    "Type": "AWS::DynamoDB::Table",
                    "Properties": {
                        "BillingMode": "PAY_PER_REQUEST",
                        "AttributeDefinitions": [
                            {"AttributeName": name, "AttributeType": "S"}
                            for name in ("pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk")
                        ],
                        "KeySchema": [
                            {"AttributeName": "pk", "KeyType": "HASH"},
                            {"AttributeName": "sk", "KeyType": "RANGE"},
                        ],
                        "GlobalSecondaryIndexes": [
                            index("gsi1", projection),
                            index("gsi2", second_projection or projection),
                        ],
                    },
                }
            }
        }
    )


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield boto3.client("cloudformation", region_name=REGION), boto3.client("dynamodb", region_name=REGION)


def deployed_with(aws, projection: str, tmp_path: Path, overrides: str) -> list[str]:
    """A stack `carebird` whose table's indexes project `projection`, and a samconfig.toml naming it with
    `overrides` (sam's own quoting): the preflight's arguments."""
    cloudformation, _ = aws
    cloudformation.create_stack(StackName="carebird", TemplateBody=table_template(projection))
    config = tmp_path / "samconfig.toml"
    config.write_text(
        "version = 0.1\n[default.deploy.parameters]\n"
        f'stack_name = "carebird"\nregion = "{REGION}"\nparameter_overrides = {json.dumps(overrides)}\n'
    )
    return ["deploy-preflight", "--config-file", str(config)]


def test_reads_the_deployed_tables_projection(aws) -> None:
    cloudformation, dynamodb = aws
    cloudformation.create_stack(StackName="old", TemplateBody=table_template("ALL"))
    cloudformation.create_stack(StackName="new", TemplateBody=table_template("KEYS_ONLY"))

    assert deployed_projections(cloudformation, dynamodb, "old") == {"ALL"}
    assert deployed_projections(cloudformation, dynamodb, "new") == {"KEYS_ONLY"}
    assert deployed_projections(cloudformation, dynamodb, "never-deployed") is None


def test_a_stack_without_the_table_is_refused(aws) -> None:
    cloudformation, dynamodb = aws
    cloudformation.create_stack(
        StackName="other",
        TemplateBody=json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}),
    )
    with pytest.raises(CliError, match="no CarebirdTable") as refused:
        deployed_projections(cloudformation, dynamodb, "other")
    assert refused.value.exit_code == 2


def test_a_stack_deployed_before_keeps_all_and_the_configs_own_overrides(
    aws, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    preflight = deployed_with(aws, "ALL", tmp_path, 'AlertEmail="ops@example.com" LogLevel="DEBUG"')

    assert main(preflight) == 0

    out, err = capsys.readouterr()
    assert parse_overrides(out.strip()) == {
        "AlertEmail": "ops@example.com",
        "LogLevel": "DEBUG",
        "IndexProjection": "ALL",
    }
    assert "IndexProjection=ALL" in err


def test_a_stack_with_keys_only_indexes_deploys_with_the_configs_overrides_unchanged(
    aws, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(deployed_with(aws, "KEYS_ONLY", tmp_path, "LogLevel=INFO")) == 0

    assert capsys.readouterr().out.strip() == "LogLevel=INFO"


def test_a_config_asking_keys_only_of_a_table_deployed_with_all_is_refused(
    aws, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(deployed_with(aws, "ALL", tmp_path, "IndexProjection=KEYS_ONLY")) == 2

    out, err = capsys.readouterr()
    assert out == ""
    assert "IndexProjection=KEYS_ONLY" in err and "deploy with IndexProjection=ALL" in err


def test_a_first_deploy_has_nothing_to_keep(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deploy-preflight", "--config-file", str(tmp_path / "samconfig.toml")]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == ""
    assert "first deploy" in err


@pytest.mark.parametrize(
    ("projections", "overrides", "expected"),
    [
        (None, {}, {}),
        ({"KEYS_ONLY"}, {}, {}),
        ({"ALL"}, {}, {"IndexProjection": "ALL"}),
        ({"ALL"}, {"IndexProjection": "ALL"}, {"IndexProjection": "ALL"}),
        ({"KEYS_ONLY"}, {"IndexProjection": "KEYS_ONLY"}, {"IndexProjection": "KEYS_ONLY"}),
        (None, {"IndexProjection": "ALL"}, {"IndexProjection": "ALL"}),
    ],
)
def test_decide(projections: set[str] | None, overrides: dict[str, str], expected: dict[str, str]) -> None:
    assert decide("s", projections, overrides).overrides == expected


@pytest.mark.parametrize(
    ("projections", "overrides", "reason"),
    [
        ({"KEYS_ONLY"}, {"IndexProjection": "ALL"}, "project KEYS_ONLY"),
        ({"ALL", "KEYS_ONLY"}, {}, "ALL, KEYS_ONLY"),
        ({"INCLUDE"}, {}, "INCLUDE"),
        (None, {"IndexProjection": "keys"}, "not one of"),
    ],
)
def test_decide_refuses(projections: set[str] | None, overrides: dict[str, str], reason: str) -> None:
    with pytest.raises(CliError, match=reason) as refused:
        decide("s", projections, overrides)
    assert refused.value.exit_code == 2


def test_overrides_round_trip_quoted_values() -> None:
    overrides = {"AlertEmail": "ops@example.com", "Note": "two words", "Empty": ""}
    assert parse_overrides(render_overrides(overrides)) == overrides


@pytest.mark.parametrize("text", ['LogLevel="DEBUG', "LogLevel", "=x"])
def test_unreadable_overrides_are_named(text: str) -> None:
    with pytest.raises(CliError, match="parameter_overrides"):
        parse_overrides(text)


def test_a_config_file_that_is_not_toml_is_named(tmp_path: Path) -> None:
    config = tmp_path / "samconfig.toml"
    config.write_text("[default.deploy.parameters\n")
    with pytest.raises(CliError, match="not valid TOML"):
        read_samconfig(config, "default")
