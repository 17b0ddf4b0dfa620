"""The local gateway serves an HTTP API as API Gateway does: routes, payload format 2.0 events, answers."""

from __future__ import annotations

import json
from typing import Any

from werkzeug.test import Client

from carebird_ops.local.apigateway import ApiGateway, http_api_event
from carebird_ops.local.provision import HttpApi

FN = "arn:aws:lambda:us-east-1:123456789012:function:carebird-AgentApiFunction"
OTHER = "arn:aws:lambda:us-east-1:123456789012:function:other"


def integration(arn: str) -> dict[str, Any]:
    uri = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations"
    return {
        "x-amazon-apigateway-integration": {
            "type": "aws_proxy", "httpMethod": "POST", "uri": uri, "payloadFormatVersion": "2.0",
        }
    }  # fmt: skip


def gateway(respond: Any) -> tuple[Client, list[tuple[str, dict[str, Any]]]]:
    calls: list[tuple[str, dict[str, Any]]] = []

    def invoke(arn: str, event: dict[str, Any]) -> tuple[Any, bool]:
        calls.append((arn, event))
        return respond(event)

    body = {
        "openapi": "3.0.1",
        "paths": {
            "/{proxy+}": {"x-amazon-apigateway-any-method": integration(FN)},
            "/cases/{id}": {"get": integration(OTHER)},
        },
    }
    gw = ApiGateway([HttpApi("Api", "abc123", "v1", body)], invoke, "us-east-1")
    return Client(gw._wsgi), calls


def test_proxy_event_has_the_payload_format_2_0_shape() -> None:
    client, calls = gateway(lambda e: ({"statusCode": 201, "body": "{}", "headers": {"X-A": "1"}}, False))
    client.set_cookie("s", "1")
    client.set_cookie("t", "2")
    response = client.post(
        "/v1/queues/billing?x=1&x=2&y=",
        data=b'{"a":1}',
        headers={"Authorization": "Bearer t"},
    )
    assert response.status_code == 201
    assert response.headers["X-A"] == "1" and response.headers["apigw-requestid"]
    arn, event = calls[0]
    assert arn == FN
    assert event["version"] == "2.0" and event["routeKey"] == "ANY /{proxy+}"
    assert event["rawPath"] == "/v1/queues/billing"  # the stage stays in the path, as on a named stage
    assert event["rawQueryString"] == "x=1&x=2&y="
    assert event["queryStringParameters"] == {"x": "1,2", "y": ""}
    assert event["pathParameters"] == {"proxy": "queues/billing"}
    assert event["headers"]["authorization"] == "Bearer t"  # names lower-cased
    assert sorted(event["cookies"]) == ["s=1", "t=2"] and "cookie" not in event["headers"]
    assert event["body"] == '{"a":1}' and event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert (context["stage"], context["apiId"], context["routeKey"]) == ("v1", "abc123", "ANY /{proxy+}")
    assert context["http"]["method"] == "POST" and context["http"]["path"] == "/v1/queues/billing"
    assert context["requestId"] and context["http"]["sourceIp"] and "authorizer" not in context


def test_specific_route_wins_over_greedy_proxy() -> None:
    client, calls = gateway(lambda e: ({"statusCode": 200, "body": ""}, False))
    client.get("/v1/cases/42")
    assert calls[-1][0] == OTHER
    assert calls[-1][1]["pathParameters"] == {"id": "42"}
    client.post("/v1/cases/42")  # no POST on /cases/{id}: falls to the proxy
    assert calls[-1][0] == FN


def test_unknown_stage_is_404_and_a_failed_function_is_500() -> None:
    client, calls = gateway(lambda e: ("not an object", False))
    unknown = client.get("/v2/anything")
    assert unknown.status_code == 404 and json.loads(unknown.data) == {"message": "Not Found"}
    assert calls == []
    bad = client.get("/v1/anything")
    assert bad.status_code == 500 and json.loads(bad.data) == {"message": "Internal Server Error"}
    failing, _ = gateway(lambda e: ({"errorType": "Boom"}, True))
    assert failing.get("/v1/x").status_code == 500


def test_an_answer_without_a_status_code_is_a_json_200_and_cookies_become_set_cookie() -> None:
    client, _ = gateway(lambda e: ({"cases": []}, False))
    plain = client.get("/v1/queues")
    assert plain.status_code == 200 and json.loads(plain.data) == {"cases": []}
    client, _ = gateway(lambda e: ({"statusCode": 204, "cookies": ["a=1", "b=2; Secure"]}, False))
    assert client.get("/v1/queues").headers.getlist("Set-Cookie") == ["a=1", "b=2; Secure"]


def test_a_304_from_the_function_passes_through_without_a_body() -> None:
    def respond(event: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        if event["headers"].get("if-none-match") == 'W/"abc"':
            # What Powertools' APIGatewayHttpResolver returns for Response(304, body=None).
            return {
                "statusCode": 304,
                "body": None,
                "isBase64Encoded": False,
                "headers": {"ETag": 'W/"abc"', "Cache-Control": "private, no-cache"},
                "cookies": [],
            }, False
        return {"statusCode": 200, "body": '{"cases": []}', "headers": {"ETag": 'W/"abc"'}}, False

    client, _ = gateway(respond)
    fresh = client.get("/v1/queues")
    assert fresh.status_code == 200 and fresh.headers["ETag"] == 'W/"abc"'
    cached = client.get("/v1/queues", headers={"If-None-Match": 'W/"abc"'})
    assert cached.status_code == 304 and cached.data == b""
    assert cached.headers["ETag"] == 'W/"abc"' and cached.headers["Cache-Control"] == "private, no-cache"


def test_repeated_headers_are_joined_with_commas() -> None:
    event = http_api_event(
        api_id="a", stage="v1", route_key="GET /x", method="GET", raw_path="/v1/x",
        headers=[("X-Two", "a"), ("x-two", "b")],
    )  # fmt: skip
    assert event["headers"] == {"x-two": "a,b"} and "body" not in event and "cookies" not in event
