"""Shared pieces for the X API emulator's contract tests: X's OpenAPI description, tweepy and HTTP clients.

openapi.json is read from ../shared beside the repository and never copied into it; tests that need
it skip when it is absent (a fresh clone).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import requests
import tweepy
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from referencing import Registry
from referencing.jsonschema import DRAFT4
from requests_oauthlib import OAuth1

from carebird.adapters.x.transport import route_session
from carebird_ops.xemu.credentials import DEFAULT_APP, app_credentials, user_tokens

SPEC_PATH = Path(__file__).parents[2].parent / "shared" / "x-api" / "openapi.json"
SPEC_URI = "urn:x-api-v2-openapi"
BRAND = "AcmeHelp"


def tweepy_client(url: str, username: str | None = BRAND, *, app: str = DEFAULT_APP) -> tweepy.Client:
    """tweepy.Client as the product builds it: signed for api.twitter.com, routed to the emulator."""
    creds = app_credentials(app)
    tokens = user_tokens(username) if username else None
    client = tweepy.Client(
        bearer_token=creds.bearer_token,
        consumer_key=creds.consumer_key,
        consumer_secret=creds.consumer_secret,
        access_token=tokens.access_token if tokens else None,
        access_token_secret=tokens.access_token_secret if tokens else None,
    )
    route_session(client.session, url)
    return client


def http_session(username: str | None = BRAND, *, app: str = DEFAULT_APP) -> requests.Session:
    """Plain requests: OAuth 1.0a signed for the emulator's own URL, or app-only bearer without a user."""
    creds = app_credentials(app)
    session = requests.Session()
    if username is None:
        session.headers["Authorization"] = f"Bearer {creds.bearer_token}"
    else:
        tokens = user_tokens(username)
        session.auth = OAuth1(
            creds.consumer_key, creds.consumer_secret, tokens.access_token, tokens.access_token_secret
        )
    return session


@dataclass
class OpenApi:
    """X's OpenAPI description with its schemas ready to validate responses against."""

    spec: dict[str, Any]
    registry: Registry[Any] = field(init=False)

    def __post_init__(self) -> None:
        self.registry = Registry().with_resource(SPEC_URI, DRAFT4.create_resource(self.spec))

    def operation(self, operation_id: str) -> tuple[str, str, dict[str, Any]]:
        for path, item in self.spec["paths"].items():
            for method, op in item.items():
                if isinstance(op, dict) and op.get("operationId") == operation_id:
                    return method.upper(), path, op
        raise KeyError(operation_id)

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            ref = schema["$ref"]
            target = self.spec
            for part in ref.removeprefix("#/").split("/"):
                target = target[part]
            schema = target
        return schema

    def response_schema(self, operation_id: str, status: int, content_type: str) -> dict[str, Any]:
        _, _, op = self.operation(operation_id)
        responses = op["responses"]
        response = responses.get(str(status)) or responses["default"]
        content = response["content"]
        media = content_type.split(";")[0].strip()
        assert media in content, f"{operation_id} {status}: X answers {list(content)}, not {media}"
        return dict(content[media]["schema"])

    def problem_schema(self, problem: dict[str, Any]) -> dict[str, Any]:
        """The specific Problem subtype X's discriminator names for this `type`."""
        mapping = self.spec["components"]["schemas"]["Problem"]["discriminator"]["mapping"]
        assert problem.get("type") in mapping, f"problem type {problem.get('type')!r} is not one X defines"
        return {"$ref": mapping[problem["type"]]}

    def errors(self, instance: Any, schema: dict[str, Any]) -> list[str]:
        ref = schema["$ref"].replace("#", f"{SPEC_URI}#", 1) if "$ref" in schema else None
        validator = OAS30Validator(
            {"$ref": ref} if ref else schema, registry=self.registry, format_checker=oas30_format_checker
        )
        found = [
            f"/{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(instance)
        ]
        return found + self.undeclared(instance, schema)

    def undeclared(self, instance: Any, schema: dict[str, Any], where: str = "") -> list[str]:
        """Keys the schema does not declare: X's schemas allow extras, but a faithful emulator sends none."""
        schema = self.resolve(schema)
        mapping = schema.get("discriminator", {}).get("mapping")
        if mapping and isinstance(instance, dict) and instance.get("type") in mapping:
            schema = self.resolve({"$ref": mapping[instance["type"]]})
        properties: dict[str, Any] = dict(schema.get("properties", {}))
        for part in schema.get("allOf", []):
            properties.update(self.resolve(part).get("properties", {}))
        found: list[str] = []
        if isinstance(instance, dict) and properties and not schema.get("additionalProperties"):
            for key, value in instance.items():
                if key not in properties:
                    found.append(f"{where}/{key}: not declared by X's schema")
                else:
                    found += self.undeclared(value, properties[key], f"{where}/{key}")
        elif isinstance(instance, list) and "items" in schema:
            for i, item in enumerate(instance):
                found += self.undeclared(item, schema["items"], f"{where}/{i}")
        return found

    def check_response(self, operation_id: str, response: requests.Response) -> None:
        content_type = response.headers.get("content-type", "")
        body = response.json()
        schema = self.response_schema(operation_id, response.status_code, content_type)
        problems = self.errors(body, schema)
        if "problem+json" in content_type:
            problems += self.errors(body, self.problem_schema(body))
        for item in body.get("errors", []) if response.ok else []:
            problems += self.errors(item, self.problem_schema(item))
        assert not problems, f"{operation_id} {response.status_code} breaks X's schema:\n" + "\n".join(
            problems
        )


@cache
def _load_spec() -> dict[str, Any]:
    return dict(json.loads(SPEC_PATH.read_text()))


def openapi() -> OpenApi:
    if not SPEC_PATH.is_file():
        pytest.skip(f"X's OpenAPI description is not at {SPEC_PATH}")
    return OpenApi(_load_spec())
