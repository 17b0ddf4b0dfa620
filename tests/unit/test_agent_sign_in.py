"""`carebird agent login`'s sign-in against Cognito (moto): a permanent password, and a temporary one that
asks for the agent's own the first time (NEW_PASSWORD_REQUIRED), as the inbox's first sign-in does."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from carebird_ops.agent_auth import AuthError, ensure_account, sign_in

API = "http://127.0.0.1:1/v1"


@pytest.fixture
def pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str]]:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        cognito = boto3.client("cognito-idp")
        pool_id = cognito.create_user_pool(
            PoolName="agents",
            Schema=[{"Name": "brand_id", "AttributeDataType": "String", "Mutable": True}],
        )["UserPool"]["Id"]
        client_id = cognito.create_user_pool_client(
            UserPoolId=pool_id, ClientName="cli", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
        )["UserPoolClient"]["ClientId"]
        yield pool_id, client_id


def test_a_permanent_password_signs_in(pool: tuple[str, str]) -> None:
    pool_id, client_id = pool
    ensure_account(pool_id, "ana", "1000", "Sunny-Dunes-42-Peaks")
    session = sign_in(client_id, "ana", "Sunny-Dunes-42-Peaks", API, region="us-east-1")
    assert (session.agent_id, session.client_id, session.api_url) == ("ana", client_id, API)
    assert session.id_token and session.refresh_token and not session.expired()
    with pytest.raises(AuthError, match="wrong agent id or password"):
        sign_in(client_id, "ana", "Not-Her-Password-1", API, region="us-east-1")


def test_a_temporary_password_asks_for_the_agents_own_once(pool: tuple[str, str]) -> None:
    pool_id, client_id = pool
    ensure_account(pool_id, "ben", "1000", "Temporary-Pass-123", permanent=False)
    with pytest.raises(AuthError, match="temporary"):
        sign_in(client_id, "ben", "Temporary-Pass-123", API, region="us-east-1")
    chosen = sign_in(
        client_id, "ben", "Temporary-Pass-123", API, region="us-east-1", new_password="Bens-Own-Pass-456"
    )
    assert chosen.agent_id == "ben" and chosen.id_token and not chosen.expired()
    again = sign_in(client_id, "ben", "Bens-Own-Pass-456", API, region="us-east-1")
    assert again.id_token
