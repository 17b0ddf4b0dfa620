"""`carebird agent add` writes nothing when it refuses: no roster record, no sign-in (AWS on moto)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from carebird.storage.agents import DynamoAgentDirectory
from carebird_ops.cli import main
from tests.support.carebird_table import create_carebird_table

TABLE = "carebird-CarebirdTable-test"
GOOD_PASSWORD = "Sunny-Dunes-42-Peaks"


@pytest.fixture
def pool(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    monkeypatch.setenv("CAREBIRD_LOCAL_DIR", str(tmp_path / "no-stack"))
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    with mock_aws():
        create_carebird_table(boto3.client("dynamodb"), TABLE)
        cognito = boto3.client("cognito-idp")
        pool_id = cognito.create_user_pool(
            PoolName="agents",
            Schema=[{"Name": "brand_id", "AttributeDataType": "String", "Mutable": True}],
            Policies={"PasswordPolicy": {"MinimumLength": 12, "RequireNumbers": True}},
        )["UserPool"]["Id"]
        for handle, user_id in (("acme", "1000"), ("globex", "2000")):
            assert main(["brand", "add", "--table", TABLE, "--handle", handle, "--user-id", user_id,
                         "--secret", f"carebird/test/x/{handle}", "--no-poll"]) == 0  # fmt: skip
        yield pool_id


def add(pool: str, brand: str, agent: str, password: str = GOOD_PASSWORD) -> int:
    return main(["agent", "add", "--table", TABLE, "--brand", brand, "--id", agent, "--user-pool", pool,
                 "--password", password])  # fmt: skip


def test_an_id_of_another_brands_agent_is_refused_and_writes_nothing(
    pool: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert add(pool, "acme", "ana") == 0
    capsys.readouterr()
    assert add(pool, "globex", "ana") == 1
    assert "belongs to an agent of brand 1000" in capsys.readouterr().err
    roster = DynamoAgentDirectory(TABLE)
    assert roster.agent("2000", "ana") is None  # routing cannot hand globex cases to ana
    assert [a.id for a in roster.agents("1000")] == ["ana"]


def test_a_refused_password_leaves_no_account_and_no_record(
    pool: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert add(pool, "acme", "ben", password="short") == 1
    assert "password" in capsys.readouterr().err
    assert DynamoAgentDirectory(TABLE).agent("1000", "ben") is None
    with pytest.raises(boto3.client("cognito-idp").exceptions.UserNotFoundException):
        boto3.client("cognito-idp").admin_get_user(UserPoolId=pool, Username="ben")
    assert add(pool, "globex", "ben") == 0  # the id is free for another brand
