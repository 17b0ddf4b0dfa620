from __future__ import annotations

import json
from typing import Any

from werkzeug.test import Client

from carebird_ops.local.apigateway import ApiGateway
from carebird_ops.local.provision import RestApi

FN = "arn:aws:lambda:us-east-1:123456789012:function:carebird-AgentApiFunction"
OTHER = "arn:aws:lambda:us-east-1:123456789012:function:other"


def integration(arn: str) -> dict[str, Any]:
    uri = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations"
    return {"x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST", "uri": uri}}


def gateway(respond: Any) -> tuple[Client, list[tuple[str, dict[str, Any]]]]:
    calls: list[tuple[str, dict[str, Any]]] = []

    def invoke(arn: str, event: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        calls.append((arn, event))
        return respond(event)

    body = {
        "swagger": "2.0",
        "paths": {
            "/{proxy+}": {"x-amazon-apigateway-any-method": integration(FN)},
            "/cases/{id}": {"get": integration(OTHER)},
        },
    }
    gw = ApiGateway([RestApi("Api", "abc123", "v1", body)], invoke, "us-east-1")
    return Client(gw._wsgi), calls


def test_proxy_event_has_the_rest_v1_shape() -> None:
    client, calls = gateway(lambda e: ({"statusCode": 201, "body": "{}", "headers": {"X-A": "1"}}, False))
    response = client.post(
        "/v1/queues/billing?x=1&x=2", data=b'{"a":1}', headers={"Authorization": "Bearer t"}
    )
    assert response.status_code == 201
    assert response.headers["X-A"] == "1"
    arn, event = calls[0]
    assert arn == FN
    assert event["resource"] == "/{proxy+}"
    assert event["path"] == "/queues/billing"
    assert event["httpMethod"] == "POST"
    assert event["pathParameters"] == {"proxy": "queues/billing"}
    assert event["queryStringParameters"] == {"x": "2"}
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"]}
    assert event["headers"]["Authorization"] == "Bearer t"
    assert event["body"] == '{"a":1}'
    context = event["requestContext"]
    assert (
        context["stage"] == "v1" and context["path"] == "/v1/queues/billing" and context["apiId"] == "abc123"
    )
    assert context["requestId"] and context["identity"]["sourceIp"]


def test_specific_route_wins_over_greedy_proxy() -> None:
    client, calls = gateway(lambda e: ({"statusCode": 200, "body": ""}, False))
    client.get("/v1/cases/42")
    assert calls[-1][0] == OTHER
    assert calls[-1][1]["pathParameters"] == {"id": "42"}
    client.post("/v1/cases/42")  # no POST on /cases/{id}: falls to the proxy
    assert calls[-1][0] == FN


def test_unknown_stage_is_403_and_bad_lambda_output_is_502() -> None:
    client, _ = gateway(lambda e: ({"no": "statusCode"}, False))
    assert client.get("/v2/anything").status_code == 403
    bad = client.get("/v1/anything")
    assert bad.status_code == 502
    assert json.loads(bad.data) == {"message": "Internal server error"}
    failing, _ = gateway(lambda e: ({"errorType": "Boom"}, True))
    assert failing.get("/v1/x").status_code == 502


def test_a_304_from_the_function_passes_through_without_a_body() -> None:
    def respond(event: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        if event["headers"].get("If-None-Match") == 'W/"abc"':
            # What Powertools' resolver returns for Response(304, body=None) on a REST v1 event.
            return {
                "statusCode": 304,
                "body": None,
                "isBase64Encoded": False,
                "multiValueHeaders": {"ETag": ['W/"abc"'], "Cache-Control": ["private, no-cache"]},
            }, False
        return {"statusCode": 200, "body": '{"cases": []}', "multiValueHeaders": {"ETag": ['W/"abc"']}}, False

    client, _ = gateway(respond)
    fresh = client.get("/v1/queues")
    assert fresh.status_code == 200 and fresh.headers["ETag"] == 'W/"abc"'
    cached = client.get("/v1/queues", headers={"If-None-Match": 'W/"abc"'})
    assert cached.status_code == 304 and cached.data == b""
    assert cached.headers["ETag"] == 'W/"abc"' and cached.headers["Cache-Control"] == "private, no-cache"
