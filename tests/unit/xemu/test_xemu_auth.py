"""Bearer and OAuth 1.0a as X checks them: 401 without valid credentials, 403 for app-only on user routes."""

from __future__ import annotations

import time

from oauthlib.oauth1 import Client as OAuth1Signer

from carebird_ops.xemu.credentials import app_credentials, user_id_for, user_tokens
from tests.unit.xemu.harness import BRAND, CANONICAL, X

UNAUTHORIZED = {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}


def _signer(username: str = BRAND, *, secret: str | None = None) -> OAuth1Signer:
    app, tokens = app_credentials(), user_tokens(username)
    return OAuth1Signer(
        app.consumer_key,
        client_secret=secret or app.consumer_secret,
        resource_owner_key=tokens.access_token,
        resource_owner_secret=tokens.access_token_secret,
    )


def test_no_credentials_is_401_with_x_body(x: X) -> None:
    response = x.open("/2/users/me")
    assert response.status_code == 401
    assert response.json == UNAUTHORIZED
    assert x.open("/2/tweets/1", headers={"Authorization": "Bearer nope"}).json == UNAUTHORIZED
    assert x.open("/2/tweets/1", headers={"Authorization": "Basic abc"}).status_code == 401


def test_oauth1_signed_for_the_canonical_host_is_accepted(x: X) -> None:
    _, headers, _ = _signer().sign(CANONICAL + "/2/users/me?user.fields=verified")
    response = x.open("/2/users/me", query_string="user.fields=verified", headers=headers)
    assert response.status_code == 200
    assert response.json["data"] == {
        "id": user_id_for(BRAND),
        "name": BRAND,
        "username": BRAND,
        "verified": True,
    }


def test_oauth1_signed_for_the_emulators_own_url_is_accepted(x: X) -> None:
    _, headers, _ = _signer().sign("http://localhost/2/users/me")
    assert x.open("/2/users/me", headers=headers).status_code == 200


def test_wrong_secret_tampered_query_replay_and_stale_timestamps_are_rejected(x: X) -> None:
    _, bad, _ = _signer(secret="not-the-secret").sign(CANONICAL + "/2/users/me")
    assert x.open("/2/users/me", headers=bad).status_code == 401

    _, signed, _ = _signer().sign(CANONICAL + "/2/users/me?user.fields=verified")
    tampered = x.open("/2/users/me", query_string="user.fields=protected", headers=signed)
    assert tampered.status_code == 401

    _, once, _ = _signer().sign(CANONICAL + "/2/users/me")
    assert x.open("/2/users/me", headers=once).status_code == 200
    assert x.open("/2/users/me", headers=once).status_code == 401  # same nonce again

    stale = _signer()
    stale.timestamp = str(int(time.time()) - 3600)
    _, old, _ = stale.sign(CANONICAL + "/2/users/me")
    assert x.open("/2/users/me", headers=old).status_code == 401


def test_unknown_user_token_is_401(x: X) -> None:
    _, headers, _ = _signer("nobody").sign(CANONICAL + "/2/users/me")
    assert x.open("/2/users/me", headers=headers).status_code == 401


def test_app_only_bearer_is_refused_on_user_context_routes(x: X) -> None:
    for method, path in (("GET", "/2/users/me"), ("GET", "/2/dm_events"), ("DELETE", "/2/tweets/1")):
        response = x.call(method, path, user=None)
        assert response.status_code == 403, path
        assert response.json["type"] == "https://api.twitter.com/2/problems/unsupported-authentication"
        assert "OAuth 2.0 Application-Only is forbidden for this endpoint" in response.json["detail"]
    assert x.post("/2/tweets", {"text": "hi"}, user=None).status_code == 403


def test_app_only_bearer_reads_public_endpoints(x: X) -> None:
    post = x.say("alice", "@AcmeHelp hello")
    assert x.get(f"/2/tweets/{post.id}", user=None).json["data"]["id"] == str(post.id)
    assert x.get(f"/2/users/by/username/{BRAND}", user=None).json["data"]["username"] == BRAND


def test_apps_registered_through_control_get_their_own_credentials(x: X) -> None:
    created = x.control("POST", "apps", {"name": "other"}).json
    assert created["bearer_token"] == app_credentials("other").bearer_token
    post = x.say("alice", "@AcmeHelp hello")
    assert x.get(f"/2/tweets/{post.id}", user=None, app="other").status_code == 200
    assert x.get("/2/users/me", app="other").status_code == 200
