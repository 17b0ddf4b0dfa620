"""The inbox's API over HTTP on the local stack: presence between two signed-in agents, the ETag and 304
through the gateway, the reply preview, and an agent added with a temporary password signing in the way
the inbox page does (USER_PASSWORD_AUTH, NEW_PASSWORD_REQUIRED, REFRESH_TOKEN_AUTH on the stack's
emulated user pool)."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError

from carebird_ops.agent_auth import AuthError, refresh, sign_in
from carebird_ops.local.endpoints import StackEndpoints
from tests.conftest import carebird
from tests.integration.agent_desk import HANDLE, Desk, open_desk, stack_env


@pytest.fixture(scope="module")
def desk(local_stack: StackEndpoints) -> Iterator[Desk]:
    with stack_env(local_stack):
        yield open_desk(local_stack)


def test_two_agents_see_each_other_on_a_case_and_polls_are_304(desk: Desk) -> None:
    case = desk.open_case(f"@{HANDLE} my refund never came, inbox test")
    path = f"/cases/{case.id}"
    marked = desk.call("it-ana", "PUT", f"{path}/presence", json={"typing": True})
    assert marked.status_code == 200 and marked.json() == {"presence": []}
    seen = desk.call("it-ben", "PUT", f"{path}/presence", json={"typing": False}).json()["presence"]
    assert [(p["agent_id"], p["typing"]) for p in seen] == [("it-ana", True)]

    first = desk.call("it-ana", "GET", path)
    tag = first.headers["ETag"]
    assert first.json()["presence"][0]["agent_id"] == "it-ben"
    again = desk.call("it-ana", "GET", path, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b"" and again.headers["ETag"] == tag
    listed = desk.call("it-ana", "GET", "/cases", params={"q": "inbox test"})
    assert [c["id"] for c in listed.json()["cases"]] == [case.id]
    assert desk.call("it-ana", "GET", "/cases", params={"q": "inbox test"},
                     headers={"If-None-Match": listed.headers["ETag"]}).status_code == 304  # fmt: skip

    preview = desk.call("it-ana", "POST", f"{path}/replies/preview", json={"text": "x " * 200})
    assert preview.status_code == 200 and len(preview.json()["parts"]) == 2
    assert [a["id"] for a in desk.call("it-ana", "GET", "/agents").json()["agents"]][:2] == [
        "it-ana",
        "it-ben",
    ]


def test_an_agent_with_a_temporary_password_chooses_their_own_at_first_sign_in(desk: Desk) -> None:
    temporary, chosen = "Temporary-Passw0rd", "Chosen-By-Tia-2026"
    added = carebird(
        "agent", "add", "--brand", HANDLE, "--id", "it-tia", "--name", "Tia Temp", "--skills", "billing",
        "--password", temporary, "--temporary-password",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "temporary" in added.stdout and "Tia Temp" in added.stdout
    client_id = desk.stack.resources["AgentUserPoolClient"]
    with pytest.raises(AuthError, match="temporary"):
        sign_in(client_id, "it-tia", temporary, desk.api)
    session = sign_in(client_id, "it-tia", temporary, desk.api, new_password=chosen)
    desk.tokens["it-tia"] = session.id_token
    assert desk.client("it-tia").me()["name"] == "Tia Temp"
    renewed = refresh(session)  # REFRESH_TOKEN_AUTH
    assert (
        desk.call(None, "GET", "/me", headers={"Authorization": renewed.id_token}).json()["agent_id"]
        == "it-tia"
    )
    assert sign_in(client_id, "it-tia", chosen, desk.api).agent_id == "it-tia"
    with pytest.raises(ClientError):
        boto3.client("cognito-idp").initiate_auth(
            ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "it-tia", "PASSWORD": temporary},
        )  # fmt: skip
    # Updating the agent without --name keeps the name they have.
    again = carebird("agent", "add", "--brand", HANDLE, "--id", "it-tia", "--skills", "billing", "--no-login")
    assert again.returncode == 0 and "(Tia Temp)" in again.stdout
