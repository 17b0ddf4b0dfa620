"""The local gateway's Cognito authorizer: what API Gateway does with a token, before the function runs."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.test import Client

from carebird_ops.local.apigateway import ApiGateway
from carebird_ops.local.cognito import CognitoTokenVerifier, Unauthorized
from carebird_ops.local.provision import RestApi

FN = "arn:aws:lambda:us-east-1:123456789012:function:carebird-AgentApiFunction"
POOL_ID = "us-east-1_pool1"
POOL_ARN = f"arn:aws:cognito-idp:us-east-1:123456789012:userpool/{POOL_ID}"
ISSUER = f"https://cognito-idp.us-east-1.amazonaws.com/{POOL_ID}"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256", "use": "sig"})
OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256", "use": "sig"})


def integration() -> dict[str, Any]:
    uri = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FN}/invocations"
    return {"type": "aws_proxy", "httpMethod": "POST", "uri": uri}


BODY = {  # what SAM generates for AgentApi (template.yaml), with the pool's ARN resolved
    "swagger": "2.0",
    "paths": {
        "/health": {"get": {"x-amazon-apigateway-integration": integration(), "security": [{"NONE": []}]}},
        "/{proxy+}": {
            "x-amazon-apigateway-any-method": {
                "x-amazon-apigateway-integration": integration(),
                "security": [{"AgentCognito": []}],
            }
        },
    },
    "securityDefinitions": {
        "AgentCognito": {
            "type": "apiKey",
            "name": "Authorization",
            "in": "header",
            "x-amazon-apigateway-authtype": "cognito_user_pools",
            "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools", "providerARNs": [POOL_ARN]},
        }
    },
}


def token(key: RSAKey = KEY, **claims: Any) -> str:
    now = int(time.time())
    payload = {
        "iss": ISSUER, "sub": "s-1", "aud": "client-1", "token_use": "id", "iat": now, "exp": now + 600,
        "cognito:username": "ana", "custom:brand_id": "1000", "email_verified": True, **claims,
    }  # fmt: skip
    return jwt.encode({"alg": "RS256", "kid": "k1"}, {k: v for k, v in payload.items() if v is not None}, key)


@pytest.fixture
def gateway() -> tuple[Client, list[dict[str, Any]]]:
    events: list[dict[str, Any]] = []

    def invoke(arn: str, event: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        events.append(event)
        return {"statusCode": 200, "body": "{}"}, False

    fetched: list[str] = []

    def jwks(pool_id: str) -> dict[str, Any]:
        fetched.append(pool_id)
        return {"keys": [KEY.as_dict(private=False)]}

    verifier = CognitoTokenVerifier(jwks)
    gw = ApiGateway([RestApi("AgentApi", "api1", "v1", BODY)], invoke, "us-east-1", verifier)
    return Client(gw._wsgi), events


def test_no_token_is_401_and_the_function_never_runs(gateway: tuple[Client, list[dict[str, Any]]]) -> None:
    client, events = gateway
    answer = client.get("/v1/cases")
    assert answer.status_code == 401 and json.loads(answer.data) == {"message": "Unauthorized"}
    assert events == []


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("not-a-jwt", "Unauthorized"),
        (token(OTHER_KEY), "Unauthorized"),  # signed by someone else
        (token(iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other"), "Unauthorized"),
        (token(token_use="access"), "Unauthorized"),
        (token(exp=int(time.time()) - 10), "The incoming token has expired"),
        (token()[:-6] + "AAAAAA", "Unauthorized"),
    ],
)
def test_a_token_the_pool_does_not_vouch_for_is_401(
    gateway: tuple[Client, list[dict[str, Any]]], bad: str, message: str
) -> None:
    client, events = gateway
    answer = client.get("/v1/cases", headers={"Authorization": bad})
    assert answer.status_code == 401 and json.loads(answer.data)["message"] == message
    assert events == []


def test_a_valid_id_token_passes_its_claims_as_strings(gateway: tuple[Client, list[dict[str, Any]]]) -> None:
    client, events = gateway
    for header in (token(), f"Bearer {token()}"):
        assert client.post("/v1/cases/c1/claim", headers={"Authorization": header}).status_code == 200
    claims = events[-1]["requestContext"]["authorizer"]["claims"]
    assert claims["cognito:username"] == "ana" and claims["custom:brand_id"] == "1000"
    assert claims["email_verified"] == "true" and isinstance(claims["exp"], str)


def test_a_route_without_an_authorizer_is_open(gateway: tuple[Client, list[dict[str, Any]]]) -> None:
    client, events = gateway
    assert client.get("/v1/health").status_code == 200
    assert "authorizer" not in events[-1]["requestContext"]


def test_a_guarded_api_without_a_verifier_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="Cognito authorizer"):
        ApiGateway([RestApi("AgentApi", "api1", "v1", BODY)], lambda a, e: ({}, False), "us-east-1")


def test_the_inbox_page_is_open_and_its_folder_url_routes_as_api_gateway_routes_it() -> None:
    """template.yaml declares /inbox and /inbox/{proxy+} without the authorizer; API Gateway (REST) takes
    /v1/inbox/ as /inbox and keeps the trailing slash in the event's path."""
    events: list[dict[str, Any]] = []

    def invoke(arn: str, event: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        events.append(event)
        return {"statusCode": 200, "body": "<!doctype html>"}, False

    open_get = {"get": {"x-amazon-apigateway-integration": integration(), "security": [{"NONE": []}]}}
    body = {**BODY, "paths": {**BODY["paths"], "/inbox": open_get, "/inbox/{proxy+}": open_get}}
    verifier = CognitoTokenVerifier(lambda pool_id: {"keys": [KEY.as_dict(private=False)]})
    gw = ApiGateway([RestApi("AgentApi", "api1", "v1", body)], invoke, "us-east-1", verifier)
    client = Client(gw._wsgi)

    for url, resource, path in [
        ("/v1/inbox/", "/inbox", "/inbox/"),
        ("/v1/inbox", "/inbox", "/inbox"),
        ("/v1/inbox/assets/index-abc.js", "/inbox/{proxy+}", "/inbox/assets/index-abc.js"),
    ]:
        assert client.get(url).status_code == 200, url
        assert (events[-1]["resource"], events[-1]["path"]) == (resource, path)
        assert "authorizer" not in events[-1]["requestContext"]
    assert client.get("/v1/cases/").status_code == 401  # the rest of the API keeps its authorizer
    assert client.post("/v1/inbox/").status_code == 401  # only GET is open


def test_tokens_are_checked_against_the_stacks_own_key_never_motos_published_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import boto3
    from moto import mock_aws
    from moto.cognitoidp.models import CognitoIdpUserPool
    from moto.utilities.utils import load_resource

    from carebird_ops.local.cognito import LocalSigningKey

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setattr(CognitoIdpUserPool, "__init__", CognitoIdpUserPool.__init__)  # undone afterwards
    signing = LocalSigningKey()
    signing.install_into_moto()
    with mock_aws():
        cognito = boto3.client("cognito-idp", region_name="us-east-1")
        pool = cognito.create_user_pool(PoolName="agents")["UserPool"]
        client_id = cognito.create_user_pool_client(
            UserPoolId=pool["Id"], ClientName="t", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
        )["UserPoolClient"]["ClientId"]
        cognito.admin_create_user(UserPoolId=pool["Id"], Username="ana", MessageAction="SUPPRESS")
        cognito.admin_set_user_password(
            UserPoolId=pool["Id"], Username="ana", Password="Secret-123456", Permanent=True
        )
        issued = cognito.initiate_auth(
            ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "ana", "PASSWORD": "Secret-123456"},
        )["AuthenticationResult"]["IdToken"]  # fmt: skip
    verifier = CognitoTokenVerifier(signing.jwks)
    assert verifier.claims(issued, [pool["Arn"]])["cognito:username"] == "ana"
    # Anyone can sign with the private key moto ships: such a token is refused.
    moto_key = RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json"))
    now = int(time.time())
    forged = jwt.encode(
        {"alg": "RS256", "kid": "dummy"},
        {"iss": f"https://cognito-idp.us-east-1.amazonaws.com/{pool['Id']}", "token_use": "id",
         "exp": now + 600, "cognito:username": "mallory", "custom:brand_id": "1000"},
        moto_key,
    )  # fmt: skip
    with pytest.raises(Unauthorized):
        verifier.claims(forged, [pool["Arn"]])
