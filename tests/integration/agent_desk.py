"""The agent desk on the local stack, shared by the agent API's integration and property tests: a brand
that is not polled (so triage never assigns its cases behind a test's back), its agents with sign-ins in
the stack's Cognito pool, their ID tokens, and cases written straight into the table whose customers'
posts are real posts on the X API emulator. Set up once per stack."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from carebird.cases.model import Case, CaseMessage, CaseStatus, Channel, Customer, with_customer_text
from carebird.storage.cases import DynamoCaseStore
from carebird_ops.agent_auth import sign_in
from carebird_ops.agent_client import AgentApiClient
from carebird_ops.local.endpoints import StackEndpoints
from carebird_ops.xemu.client import EmulatorClient
from tests.conftest import carebird
from tests.support.local_stack import add_agents, add_brand

HANDLE = "ApiDesk"
PASSWORD = "Integration-Passw0rd"
AGENTS = {"it-ana": ["--skills", "billing"], "it-ben": ["--skills", "billing,bookings"],
          "it-chen": ["--skills", "technical"], "it-sue": ["--supervisor"]}  # fmt: skip


@dataclass
class Desk:
    stack: StackEndpoints
    x: EmulatorClient
    brand_id: str
    tokens: dict[str, str]
    customers: dict[str, str] = field(default_factory=dict)  # username -> X user id

    @property
    def api(self) -> str:
        return self.stack.agent_api

    @property
    def table(self) -> str:
        return self.stack.resources["CarebirdTable"]

    def client(self, agent: str) -> AgentApiClient:
        return AgentApiClient(self.api, self.tokens[agent], sleep=lambda s: time.sleep(min(s, 0.5)))

    def call(self, agent: str | None, method: str, path: str, **kw: Any) -> requests.Response:
        headers = {"Authorization": self.tokens[agent]} if agent else {}
        headers.update(kw.pop("headers", {}))
        return requests.request(method, f"{self.api}{path}", headers=headers, timeout=60, **kw)

    def customer(self, username: str, **profile: Any) -> str:
        if username not in self.customers:
            self.customers[username] = self.x.ensure_user(username, followers=120, **profile)["id"]
        return self.customers[username]

    def open_case(
        self,
        text: str | None = None,
        *,
        customer: str = "itcarla",
        queue: str = "billing",
        skill: str | None = None,
        due_in: timedelta = timedelta(hours=1),
        profile: bool = True,
        **changes: Any,
    ) -> Case:
        """A case opened as triage opens it. `profile=False`: X returned no profile for the author (a
        suspended or deleted account), so the case knows only their id."""
        customer_id = self.customer(customer)
        post = self.x.post(customer, text if text is not None else f"@{HANDLE} charged twice, refund please")
        now = datetime.now(UTC)
        case = Case(
            id=f"{self.brand_id}-t{post['id']}",
            brand_id=self.brand_id,
            customer=(
                Customer(id=customer_id, username=customer, name=customer.title(), followers=120)
                if profile
                else Customer(id=customer_id)
            ),
            channel=Channel.PUBLIC,
            queue=queue,
            skill=skill or queue,
            language="en",
            classification={
                "skill": {"label": skill or queue, "confidence": 0.9},
                "reasons": [f"keyword for {skill or queue}"],
            },
            conversation_ids=(post["id"],),
            message_ids=(post["id"],),
            customer_texts=with_customer_text((), post["text"]),
            created_at=now,
            updated_at=now,
            first_message_at=now,
            first_response_due=now + due_in,
            **{"status": CaseStatus.QUEUED, **changes},
        )
        message = CaseMessage(
            id=post["id"], direction="in", channel=Channel.PUBLIC, author_id=customer_id, text=post["text"],
            created_at=now, conversation_id=post["id"],
        )  # fmt: skip
        return DynamoCaseStore(self.table).create(case, message)

    def brand_replies_under(self, post_id: str) -> list[dict[str, Any]]:
        """The brand's posts chained below `post_id`, each answering the previous one."""
        chain: list[dict[str, Any]] = []
        parent = post_id
        while True:
            children = [p for p in self.x.posts(author=HANDLE, in_reply_to=parent)]
            if not children:
                return chain
            assert len(children) == 1, f"{len(children)} brand replies under {parent}: posted twice"
            chain.append(children[0])
            parent = children[0]["id"]


_DESKS: dict[str, Desk] = {}


@contextmanager
def stack_env(stack: StackEndpoints) -> Iterator[None]:
    """The stack's AWS endpoint and fake credentials in os.environ, restored afterwards."""
    saved = {k: os.environ.get(k) for k in stack.aws_env()}
    os.environ.update(stack.aws_env())
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def open_desk(stack: StackEndpoints) -> Desk:
    if stack.aws in _DESKS:
        return _DESKS[stack.aws]
    x = EmulatorClient(stack.x_api)
    brand_user = add_brand(x, HANDLE, name="API Desk", followers=5000)
    add_agents(HANDLE, AGENTS, PASSWORD)
    token = carebird("agent", "token", "--id", "it-ana", "--password", PASSWORD)
    assert token.returncode == 0, token.stderr
    tokens = {"it-ana": token.stdout.strip()}
    client_id = stack.resources["AgentUserPoolClient"]
    for agent in AGENTS:
        tokens.setdefault(agent, sign_in(client_id, agent, PASSWORD, stack.agent_api).id_token)
    _DESKS[stack.aws] = Desk(stack, x, brand_user["id"], tokens)
    return _DESKS[stack.aws]
