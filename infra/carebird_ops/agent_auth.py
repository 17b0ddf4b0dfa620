"""Agents' sign-in: their Cognito accounts (AgentUserPool) and the ID tokens the agent API takes.

- `ensure_account` creates (or updates) an agent's account: username = agent id, `custom:brand_id` = the
  brand's X user id, a permanent password, or a temporary one the agent replaces at first sign-in
  (Cognito's NEW_PASSWORD_REQUIRED challenge). `carebird agent add` calls it.
- `sign_in` exchanges agent id and password for tokens (USER_PASSWORD_AUTH on AgentUserPoolClient),
  `refresh` renews an ID token with the refresh token.
- `Session` is what `carebird agent login` keeps in .carebird/session.json (or $CAREBIRD_SESSION) for the
  terminal client: the API's URL, the agent, the tokens.

The same calls work against Cognito on AWS and against the local stack's cognito-idp (moto), whose tokens
the local API gateway verifies as API Gateway would.
"""

from __future__ import annotations

import json
import os
import secrets
import string
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

SESSION_ENV = "CAREBIRD_SESSION"
BRAND_ATTRIBUTE = "custom:brand_id"


class AuthError(RuntimeError):
    pass


def _cognito(region: str | None = None) -> Any:
    return boto3.client("cognito-idp", region_name=region)


def generate_password(length: int = 20) -> str:
    """A password Cognito's policy in template.yaml accepts: upper, lower and digits, 12+ characters."""
    alphabet = string.ascii_letters + string.digits
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            any(c.islower() for c in password)
            and any(c.isupper() for c in password)
            and any(c.isdigit() for c in password)
        ):
            return password


def account_refusal(pool_id: str, agent_id: str, brand_id: str, *, client: Any = None) -> str | None:
    """Why `agent_id` cannot sign in for `brand_id` (the login belongs to another brand's agent), or None.
    Reads only: `carebird agent add` asks before it writes anything."""
    cognito = client or _cognito()
    try:
        user = cognito.admin_get_user(UserPoolId=pool_id, Username=agent_id)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "UserNotFoundException":
            return None
        raise
    attributes = {a["Name"]: a["Value"] for a in user.get("UserAttributes", [])}
    if attributes.get(BRAND_ATTRIBUTE) not in (None, brand_id):
        return (
            f"the login {agent_id} already belongs to an agent of brand {attributes[BRAND_ATTRIBUTE]}; "
            "choose another agent id"
        )
    return None


def ensure_account(
    pool_id: str, agent_id: str, brand_id: str, password: str, *, permanent: bool = True, client: Any = None
) -> bool:
    """Create the agent's account, or update its password; True if it was created. A password that is not
    `permanent` works once: the first sign-in answers NEW_PASSWORD_REQUIRED, and the agent sets their own.

    One account signs in for one brand: an agent id taken by another brand's agent is refused. A refused
    password leaves no account behind."""
    cognito = client or _cognito()
    refusal = account_refusal(pool_id, agent_id, brand_id, client=cognito)
    if refusal is not None:
        raise AuthError(refusal)
    created = False
    try:
        cognito.admin_get_user(UserPoolId=pool_id, Username=agent_id)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "UserNotFoundException":
            raise
        cognito.admin_create_user(
            UserPoolId=pool_id,
            Username=agent_id,
            UserAttributes=[{"Name": BRAND_ATTRIBUTE, "Value": brand_id}],
            MessageAction="SUPPRESS",
        )
        created = True
    try:
        cognito.admin_set_user_password(
            UserPoolId=pool_id, Username=agent_id, Password=password, Permanent=permanent
        )
    except ClientError as exc:
        if created:
            cognito.admin_delete_user(UserPoolId=pool_id, Username=agent_id)
        if exc.response.get("Error", {}).get("Code") == "InvalidPasswordException":
            raise AuthError(f"the password does not meet the pool's policy: {exc}") from None
        raise
    return created


@dataclass
class Session:
    api_url: str
    agent_id: str
    client_id: str
    id_token: str
    refresh_token: str
    expires_at: float
    region: str | None = None

    def expired(self, margin: float = 60.0) -> bool:
        return time.time() + margin >= self.expires_at


def sign_in(
    client_id: str,
    agent_id: str,
    password: str,
    api_url: str,
    *,
    region: str | None = None,
    new_password: str | None = None,
) -> Session:
    """Tokens for the agent. An account with a temporary password needs `new_password` the first time."""
    try:
        answer = _cognito(region).initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": agent_id, "PASSWORD": password},
        )
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ("NotAuthorizedException", "UserNotFoundException"):
            raise AuthError(f"wrong agent id or password for {agent_id}") from None
        raise AuthError(f"sign-in failed: {exc}") from None
    challenge = answer.get("ChallengeName")
    if challenge == "NEW_PASSWORD_REQUIRED" and new_password:
        return complete_new_password(
            client_id, agent_id, answer["Session"], new_password, api_url, region=region
        )
    if challenge == "NEW_PASSWORD_REQUIRED":
        raise AuthError(
            f"{agent_id}'s password is temporary: sign in once with --new-password to choose your own"
        )
    if "AuthenticationResult" not in answer:
        raise AuthError(
            f"Cognito asks {agent_id} to complete {challenge}; have an administrator set a permanent "
            "password with `carebird agent add --password`"
        )
    return _session(answer["AuthenticationResult"], api_url, agent_id, client_id, region)


def complete_new_password(
    client_id: str,
    agent_id: str,
    challenge_session: str,
    new_password: str,
    api_url: str,
    *,
    region: str | None = None,
) -> Session:
    """Answer NEW_PASSWORD_REQUIRED (an account with a temporary password) with the agent's own password."""
    try:
        answer = _cognito(region).respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=challenge_session,
            ChallengeResponses={"USERNAME": agent_id, "NEW_PASSWORD": new_password},
        )
    except ClientError as exc:
        raise AuthError(f"the new password was not accepted: {exc}") from None
    return _session(answer["AuthenticationResult"], api_url, agent_id, client_id, region)


def _session(
    result: dict[str, Any], api_url: str, agent_id: str, client_id: str, region: str | None
) -> Session:
    """The session Cognito's AuthenticationResult gives, after a password or a new-password answer."""
    return Session(
        api_url=api_url,
        agent_id=agent_id,
        client_id=client_id,
        id_token=result["IdToken"],
        refresh_token=result.get("RefreshToken", ""),
        expires_at=time.time() + int(result.get("ExpiresIn", 3600)),
        region=region,
    )


def refresh(session: Session) -> Session:
    if not session.refresh_token:
        raise AuthError("the session has expired; sign in again with `carebird agent login`")
    try:
        answer = _cognito(session.region).initiate_auth(
            ClientId=session.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": session.refresh_token},
        )
    except ClientError:
        raise AuthError("the session has expired; sign in again with `carebird agent login`") from None
    result = answer["AuthenticationResult"]
    return Session(
        **{
            **asdict(session),
            "id_token": result["IdToken"],
            "expires_at": time.time() + int(result.get("ExpiresIn", 3600)),
        }
    )


def session_path() -> Path:
    return Path(os.environ.get(SESSION_ENV, ".carebird/session.json")).resolve()


def save_session(session: Session, path: Path | None = None) -> Path:
    path = path or session_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(session), indent=2))
    tmp.chmod(0o600)  # it holds tokens
    tmp.replace(path)
    return path


def load_session(path: Path | None = None) -> Session | None:
    path = path or session_path()
    try:
        return Session(**json.loads(path.read_text()))
    except FileNotFoundError:
        return None
    except (ValueError, TypeError) as exc:
        raise AuthError(f"{path} is not a carebird session ({exc}); sign in again") from None
