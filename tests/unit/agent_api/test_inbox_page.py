"""The agent API serves the inbox page: GET /inbox/ and its files, without a token, from the built folder;
the right types and caching; a 404 JSON error for anything else, and no way out of the folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from carebird.agent_api import build_api
from carebird.agent_api.inbox import InboxSite, SignInConfig
from carebird.wiring.agent_api import InboxSettings, inbox_site
from carebird_ops.local.apigateway import http_api_event
from tests.support.lambda_context import LambdaContextStub
from tests.unit.agent_api.conftest import unused

SIGN_IN = SignInConfig(
    "eu-west-1", "eu-west-1_Pool", "client123", "https://cognito-idp.eu-west-1.amazonaws.com/"
)


@pytest.fixture
def built(tmp_path: Path) -> Path:
    root = tmp_path / "inbox"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text('<!doctype html><script type="module" src="./assets/index-AbC123.js">')
    (root / "assets" / "index-AbC123.js").write_text("console.log('inbox')")
    (root / "assets" / "index-AbC123.css").write_text("body{}")
    (root / "assets" / "notes.py").write_text("print('not served')")
    (root / ".env").write_text("SECRET=1")
    (tmp_path / "secret.txt").write_text("outside the folder")
    return root


def get(root: Path, path: str) -> dict[str, Any]:
    api = build_api(
        service=unused("case work"),
        once=unused("idempotency"),
        reports=unused("reports"),
        team=unused("team"),
        inbox=lambda: InboxSite(root, SIGN_IN),
    )
    # no authorizer claims: API Gateway serves these routes without one
    event = http_api_event(
        api_id="api1",
        stage="v1",
        route_key="GET /inbox/{proxy+}" if path.startswith("/inbox/") else "GET /inbox",
        method="GET",
        raw_path=f"/v1{path}",
        path_parameters={"proxy": path.removeprefix("/inbox/")} if path.startswith("/inbox/") else None,
    )
    answer: dict[str, Any] = api.resolve(event, LambdaContextStub())  # type: ignore[arg-type]
    answer["headers"] = dict(answer.get("headers") or {})
    return answer


def test_the_page_and_its_hashed_assets(built: Path) -> None:
    page = get(built, "/inbox/")
    assert page["statusCode"] == 200
    assert page["headers"]["Content-Type"] == "text/html; charset=utf-8"
    assert page["headers"]["Cache-Control"] == "no-cache"
    assert "assets/index-AbC123.js" in page["body"]
    assert (
        "connect-src 'self' https://cognito-idp.eu-west-1.amazonaws.com"
        in page["headers"]["Content-Security-Policy"]
    )

    script = get(built, "/inbox/assets/index-AbC123.js")
    assert (script["statusCode"], script["body"]) == (200, "console.log('inbox')")
    assert script["headers"]["Content-Type"] == "text/javascript; charset=utf-8"
    assert script["headers"]["Cache-Control"] == "public, max-age=31536000, immutable"
    assert (
        get(built, "/inbox/assets/index-AbC123.css")["headers"]["Content-Type"] == "text/css; charset=utf-8"
    )
    assert get(built, "/inbox/index.html")["headers"]["Cache-Control"] == "no-cache"


def test_without_the_trailing_slash_the_page_redirects_into_its_folder(built: Path) -> None:
    answer = get(built, "/inbox")
    assert answer["statusCode"] == 301
    assert answer["headers"]["Location"] == "inbox/"


def test_config_tells_the_page_how_to_sign_in(built: Path) -> None:
    answer = get(built, "/inbox/config.json")
    assert answer["statusCode"] == 200
    assert answer["headers"]["Cache-Control"] == "no-cache"
    assert json.loads(answer["body"]) == {
        "region": "eu-west-1",
        "user_pool_id": "eu-west-1_Pool",
        "client_id": "client123",
        "cognito_endpoint": "https://cognito-idp.eu-west-1.amazonaws.com/",
    }


@pytest.mark.parametrize(
    "path",
    [
        "/inbox/nothing.js",
        "/inbox/assets/",
        "/inbox/../secret.txt",
        "/inbox/assets/../../secret.txt",
        "/inbox/assets/..%2f..%2fsecret.txt",
        "/inbox//etc/passwd",
        "/inbox/.env",
        "/inbox/assets/notes.py",
        "/inbox/assets\\..\\..\\secret.txt",
        "/inbox/assets/index-AbC123.js\x00.html",
    ],
)
def test_anything_else_is_a_json_404_and_nothing_outside_the_folder_is_served(built: Path, path: str) -> None:
    answer = get(built, path)
    assert answer["statusCode"] == 404, path
    assert json.loads(answer["body"])["error"]["code"] in ("not_found", "no_such_route")
    assert "outside the folder" not in answer["body"]


def test_a_symlink_out_of_the_folder_is_not_followed(built: Path) -> None:
    (built / "assets" / "leak.txt").symlink_to(built.parent / "secret.txt")
    assert get(built, "/inbox/assets/leak.txt")["statusCode"] == 404


def test_settings_point_the_page_at_cognito_or_at_the_configured_emulator(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    monkeypatch.setenv("USER_POOL_ID", "eu-central-1_X")
    monkeypatch.setenv("USER_POOL_CLIENT_ID", "abc")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", raising=False)
    monkeypatch.delenv("INBOX_DIR", raising=False)
    assert InboxSettings().sign_in().cognito_endpoint == "https://cognito-idp.eu-central-1.amazonaws.com/"  # type: ignore[call-arg]
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    assert InboxSettings().sign_in().cognito_endpoint == "http://127.0.0.1:4566"  # type: ignore[call-arg]

    inbox_site.cache_clear()
    monkeypatch.setenv("INBOX_DIR", str(tmp_path))
    assert inbox_site(Path("/beside/the/handler")).root == tmp_path.resolve()
    inbox_site.cache_clear()
