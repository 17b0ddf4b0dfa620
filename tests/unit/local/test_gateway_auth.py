"""The local gateway's JWT authorizer (HTTP APIs): what API Gateway does with a token, before the function."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.test import Client

from carebird_ops.local.apigateway import ApiGateway
from carebird_ops.local.cognito import JwtVerifier, Unauthorized
from carebird_ops.local.provision import HttpApi

FN = "arn:aws:lambda:us-east-1:123456789012:function:carebird-AgentApiFunction"
POOL_ID = "us-east-1_pool1"
CLIENT_ID = "client-1"
ISSUER = f"https://cognito-idp.us-east-1.amazonaws.com/{POOL_ID}"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256", "use": "sig"})
OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256", "use": "sig"})


def integration() -> dict[str, Any]:
    uri = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FN}/invocations"
    return {"type": "aws_proxy", "httpMethod": "POST", "uri": uri, "payloadFormatVersion": "2.0"}


OPEN_GET = {"get": {"x-amazon-apigateway-integration": integration(), "security": [{"NONE": []}]}}
BODY = {  # what SAM generates for AgentHttpApi (template.yaml), with the issuer and audience resolved
    "openapi": "3.0.1",
    "paths": {
        "/health": OPEN_GET,
        "/{proxy+}": {
            "x-amazon-apigateway-any-method": {
                "x-amazon-apigateway-integration": integration(),
                "security": [{"AgentCognito": []}],
            }
        },
    },
    "components": {
        "securitySchemes": {
            "AgentCognito": {
                "type": "oauth2",
                "x-amazon-apigateway-authorizer": {
                    "type": "jwt",
                    "identitySource": "$request.header.Authorization",
                    "jwtConfiguration": {"issuer": ISSUER, "audience": [CLIENT_ID]},
                },
            }
        }
    },
}


def token(key: RSAKey = KEY, **claims: Any) -> str:
    now = int(time.time())
    payload = {
        "iss": ISSUER, "sub": "s-1", "aud": CLIENT_ID, "token_use": "id", "iat": now, "exp": now + 600,
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

    def jwks(issuer: str) -> dict[str, Any]:
        fetched.append(issuer)
        return {"keys": [KEY.as_dict(private=False)]}

    verifier = JwtVerifier(jwks)
    gw = ApiGateway([HttpApi("AgentHttpApi", "api1", "v1", BODY)], invoke, "us-east-1", verifier)
    return Client(gw._wsgi), events


def test_no_token_is_401_and_the_function_never_runs(gateway: tuple[Client, list[dict[str, Any]]]) -> None:
    client, events = gateway
    answer = client.get("/v1/cases")
    assert answer.status_code == 401 and json.loads(answer.data) == {"message": "Unauthorized"}
    assert events == []


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        # Each token is made when its test runs, not at collection: a token made then may have expired
        # by the time a long suite reaches the test.
        (lambda: "not-a-jwt", "not a JWT"),
        (lambda: token(OTHER_KEY), "signature"),  # signed by someone else
        (lambda: token(iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other"), "issuer"),
        (lambda: token(aud="another-client"), "audience"),
        (lambda: token(aud=None), "audience"),  # neither aud nor client_id
        (lambda: token(exp=int(time.time()) - 10), "expired"),
        (lambda: token(nbf=int(time.time()) + 600), "time claims"),
        (lambda: token()[:-6] + "AAAAAA", "signature"),
    ],
)
def test_a_token_the_authorizer_does_not_accept_is_401(
    gateway: tuple[Client, list[dict[str, Any]]], bad: Callable[[], str], reason: str
) -> None:
    """Every refusal is the same 401 body, as HTTP APIs answer; the reason is in www-authenticate."""
    client, events = gateway
    answer = client.get("/v1/cases", headers={"Authorization": bad()})
    assert answer.status_code == 401 and json.loads(answer.data) == {"message": "Unauthorized"}
    assert answer.headers["www-authenticate"].startswith('Bearer scope="" error="invalid_token"')
    assert reason in answer.headers["www-authenticate"]
    assert events == []


def test_a_valid_id_token_passes_its_claims_as_strings(gateway: tuple[Client, list[dict[str, Any]]]) -> None:
    client, events = gateway
    for header in (token(), f"Bearer {token()}"):
        assert client.post("/v1/cases/c1/claim", headers={"Authorization": header}).status_code == 200
    claims = events[-1]["requestContext"]["authorizer"]["jwt"]["claims"]
    assert claims["cognito:username"] == "ana" and claims["custom:brand_id"] == "1000"
    assert claims["email_verified"] == "true" and isinstance(claims["exp"], str)


def test_an_access_token_of_the_app_client_passes_as_it_does_on_api_gateway(
    gateway: tuple[Client, list[dict[str, Any]]],
) -> None:
    """No token_use check: the audience is matched on client_id when there is no aud. Its claims name no
    agent, so the agent API refuses it (tests/unit/agent_api/test_cases.py)."""
    client, events = gateway
    access = token(aud=None, client_id=CLIENT_ID, token_use="access", **{"cognito:username": None})
    assert client.get("/v1/me", headers={"Authorization": access}).status_code == 200
    claims = events[-1]["requestContext"]["authorizer"]["jwt"]["claims"]
    assert claims["token_use"] == "access" and "cognito:username" not in claims


def test_a_route_without_an_authorizer_is_open(gateway: tuple[Client, list[dict[str, Any]]]) -> None:
    client, events = gateway
    assert client.get("/v1/health").status_code == 200
    assert "authorizer" not in events[-1]["requestContext"]


def test_a_guarded_api_without_a_verifier_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="JWT authorizer"):
        ApiGateway([HttpApi("AgentHttpApi", "api1", "v1", BODY)], lambda a, e: ({}, False), "us-east-1")


def test_the_inbox_page_is_open_and_its_folder_url_routes_as_api_gateway_routes_it() -> None:
    """template.yaml declares GET /inbox and GET /inbox/{proxy+} without the authorizer; the HTTP API takes
    /v1/inbox/ as /inbox (a trailing slash is ignored in matching) and keeps it in rawPath."""
    events: list[dict[str, Any]] = []

    def invoke(arn: str, event: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        events.append(event)
        return {"statusCode": 200, "body": "<!doctype html>"}, False

    body = {**BODY, "paths": {**BODY["paths"], "/inbox": OPEN_GET, "/inbox/{proxy+}": OPEN_GET}}
    verifier = JwtVerifier(lambda issuer: {"keys": [KEY.as_dict(private=False)]})
    gw = ApiGateway([HttpApi("AgentHttpApi", "api1", "v1", body)], invoke, "us-east-1", verifier)
    client = Client(gw._wsgi)

    for url, route_key, raw_path in [
        ("/v1/inbox/", "GET /inbox", "/v1/inbox/"),
        ("/v1/inbox", "GET /inbox", "/v1/inbox"),
        ("/v1/inbox/assets/index-abc.js", "GET /inbox/{proxy+}", "/v1/inbox/assets/index-abc.js"),
    ]:
        assert client.get(url).status_code == 200, url
        assert (events[-1]["routeKey"], events[-1]["rawPath"]) == (route_key, raw_path)
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
    verifier = JwtVerifier(signing.jwks)
    issuer = f"https://cognito-idp.us-east-1.amazonaws.com/{pool['Id']}"
    assert verifier.claims(issued, issuer, [client_id])["cognito:username"] == "ana"
    # Anyone can sign with the private key moto ships: such a token is refused.
    moto_key = RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json"))
    now = int(time.time())
    forged = jwt.encode(
        {"alg": "RS256", "kid": "dummy"},
        {"iss": issuer, "aud": client_id, "token_use": "id",
         "exp": now + 600, "cognito:username": "mallory", "custom:brand_id": "1000"},
        moto_key,
    )  # fmt: skip
    with pytest.raises(Unauthorized):
        verifier.claims(forged, issuer, [client_id])
