"""The demo's agents at work: they sign in with Cognito and work their queues through the agent API, with
the same client as the terminal commands (carebird_ops.agent_client), and their replies land on the X
emulator threaded under the customers' posts.

A supervisor publishes a canned response, then tries to take a case an agent already holds (409, naming
the holder) and sorts the triage queue (a routing correction; a customer who asked to continue by DM is
followed on X and answered by DM), and acknowledges the praise in the acknowledge lane: a like on X each,
then one batch resolve. Each agent claims the open cases of their
queues that nobody else holds, and replies: in the customer's language, with the canned response where
it fits, and with a long answer that becomes a numbered thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from carebird_ops.agent_auth import sign_in
from carebird_ops.agent_client import AgentApiClient, ApiError
from carebird_ops.local.endpoints import StackEndpoints
from carebird_ops.xemu.client import EmulatorClient

SUPERVISOR = "sam"
CANNED_ID = "refund-on-its-way"
CANNED_TEXT = (
    "Hi {customer_name}, {agent_name} from {brand_handle} here. We found the duplicate charge and refunded "
    "it today: it shows on your statement within 3-5 working days. Sorry for the trouble!"
)
# Free-text replies per queue and language; {name} is the customer's name.
REPLIES: dict[tuple[str, str], str] = {
    (
        "billing",
        "es",
    ): "Hola {name}, ya hemos reembolsado el cobro duplicado. Lo verás en tu cuenta en 3-5 días "
    "hábiles. ¡Disculpa las molestias!",
    ("bookings", "en"): (
        "Hi {name}, I'm so sorry your flight was cancelled. I have rebooked you on the first flight out of "
        "Denver tomorrow at 07:05, seat 14C, and the new boarding pass is in the app under My Trips. "
        "Because the cancellation was ours, you are entitled to a hotel night and meals: show the "
        "confirmation code ACME-7Q2 at the transfer desk by door 4 and they will book the airport hotel for "
        "you, with dinner and breakfast included. If you would rather fly today, reply here and I will look "
        "for seats with our partners. Details: https://acme.example.com/help/cancellations ✈️"
    ),
    (
        "technical",
        "en",
    ): "Hi {name}, sorry about the crashes. Version 8.4.1 of the app fixes the login crash: "
    "please update from the store and try again. If it still fails, reply here and we will dig in.",
    ("general", "en"): "Hi {name}, thanks for reaching out! How can we help you today?",
}


@dataclass
class SentReply:
    agent: str
    case_id: str
    customer: str
    queue: str
    channel: str
    parts: int
    x_ids: list[str]
    sla: str
    threaded: bool = False


@dataclass
class AgentWork:
    replies: list[SentReply] = field(default_factory=list)
    collisions: list[str] = field(default_factory=list)
    corrections: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    followed_and_dmed: list[str] = field(default_factory=list)  # "@customer: DM <x id>"
    acknowledged: list[str] = field(default_factory=list)  # "@customer: liked <post id>, resolved"


def work_the_queues(
    endpoints: StackEndpoints,
    brand_handle: str,
    passwords: dict[str, str],
    say: Callable[[str], None],
) -> AgentWork:
    client_id = endpoints.resources["AgentUserPoolClient"]
    clients = {
        agent: AgentApiClient(
            endpoints.agent_api, sign_in(client_id, agent, password, endpoints.agent_api).id_token
        )
        for agent, password in passwords.items()
    }
    work = AgentWork()
    sam = clients.pop(SUPERVISOR)
    say(
        "agents sign in (Cognito ID tokens) and work their queues through the agent API at "
        f"{endpoints.agent_api}:"
    )
    sam.put_canned_response(CANNED_ID, "Refund on its way", CANNED_TEXT)
    say(f"  {SUPERVISOR:<5} publishes the canned response {CANNED_ID!r}")

    # First the customers in the triage queue who asked to continue by DM (flagged wants_dm by triage).
    for case in sam.cases(queue="triage", status="queued"):
        wants_dm = (sam.case(case["id"]).get("classification") or {}).get("wants_dm") or {}
        if wants_dm.get("value"):
            _follow_and_dm(sam, case, work, say)

    for agent, client in clients.items():
        for case in client.cases():
            if case["first_response_at"] is not None or case["assignee"] not in (None, agent):
                continue
            try:
                if case["assignee"] is None:
                    client.claim(case["id"])
                    say(f"  {agent:<5} claims   @{case['customer']['username']}'s case ({case['queue']})")
                _reply(client, agent, case, work, say)
            except ApiError as exc:
                work.failed.append(f"{agent} on {case['id']}: {exc}")
                say(f"  {agent:<5} could not answer {case['id']}: {exc.message}")
            if agent == "ana" and not work.collisions:
                _collide(sam, case, work, say)

    for case in sam.cases(queue="triage", status="queued"):
        moved = sam.reassign(case["id"], queue="general", reason="a greeting: general enquiries")
        work.corrections.append(f"{case['id']}: triage -> {moved['queue']}")
        say(f"  {SUPERVISOR:<5} moves    @{case['customer']['username']}'s case triage -> general "
            "(kept as a routing correction)")  # fmt: skip
        sam.claim(case["id"])
        _reply(sam, SUPERVISOR, {**case, "queue": "general"}, work, say)

    _acknowledge(sam, work, say)

    x = EmulatorClient(endpoints.x_api)
    for sent in work.replies:
        if sent.channel == "public":
            sent.threaded = _threaded(x, brand_handle, sent)
    return work


def _reply(
    client: AgentApiClient, agent: str, case: dict[str, Any], work: AgentWork, say: Callable[[str], None]
) -> None:
    customer = case["customer"]
    name = customer["name"] or customer["username"]
    language = case.get("language") or "en"
    if case["queue"] == "billing" and language == "en":
        sent = client.reply(case["id"], canned_response_id=CANNED_ID)
        how = f"canned {CANNED_ID!r}"
    else:
        text = (
            REPLIES.get((case["queue"], language))
            or REPLIES.get((case["queue"], "en"))
            or REPLIES[("general", "en")]
        )
        sent = client.reply(case["id"], text.format(name=name.title()))
        how = "free text" if len(sent["parts"]) <= 1 else f"a {len(sent['parts'])}-part thread"
    sla = client.case(case["id"])["sla"]
    work.replies.append(
        SentReply(agent, case["id"], customer["username"], case["queue"], sent["channel"], len(sent["parts"]),
                  sent["x_ids"], sla["state"])
    )  # fmt: skip
    say(f"  {agent:<5} replies  to @{customer['username']} ({how}): {sent['status']} on X as "
        f"{', '.join(sent['x_ids'])}; first response {sla['state']}")  # fmt: skip


DM_REPLY = (
    "Hi {name}, thanks for following up by DM. I have opened a trace for your bag: send me the tag "
    "number here and I will have it delivered to your address as soon as it is found."
)


def _follow_and_dm(
    sam: AgentApiClient, case: dict[str, Any], work: AgentWork, say: Callable[[str], None]
) -> None:
    """ "Follow me so I can DM you": the brand follows the customer, then answers by DM."""
    customer = case["customer"]
    sam.claim(case["id"])
    followed = sam.follow(case["id"])
    say(f"  {SUPERVISOR:<5} follows  @{followed['username']} on X (they asked to DM)")
    sent = sam.reply(
        case["id"], DM_REPLY.format(name=(customer["name"] or customer["username"]).title()), channel="dm"
    )
    work.followed_and_dmed.append(f"@{customer['username']}: DM {', '.join(sent['x_ids'])}")
    say(f"  {SUPERVISOR:<5} replies  to @{customer['username']} by DM: {sent['status']} on X as "
        f"{', '.join(sent['x_ids'])}")  # fmt: skip


def _acknowledge(sam: AgentApiClient, work: AgentWork, say: Callable[[str], None]) -> None:
    """Praise waits in the acknowledge lane (never closed unseen): a like each, then one batch resolve."""
    lane = sam.cases(queue="acknowledge")
    for case in lane:
        liked = sam.like(case["id"])
        work.acknowledged.append(f"@{case['customer']['username']}: liked {liked['post_id']}")
        say(f"  {SUPERVISOR:<5} likes    @{case['customer']['username']}'s praise on X (acknowledge lane)")
    if lane:
        results = sam.resolve_many([c["id"] for c in lane], "thanked with a like")
        say(f"  {SUPERVISOR:<5} resolves the acknowledge lane at once: {sorted(set(results.values()))}")


def _collide(sam: AgentApiClient, case: dict[str, Any], work: AgentWork, say: Callable[[str], None]) -> None:
    try:
        sam.claim(case["id"])
    except ApiError as exc:
        holder = (exc.body or {}).get("error", {}).get("holder")
        work.collisions.append(f"{SUPERVISOR} on {case['id']}: {exc.status}, held by {holder}")
        say(f"  {SUPERVISOR:<5} tries to claim @{case['customer']['username']}'s case too: {exc.status} "
            f"{exc.code}, held by {holder}")  # fmt: skip


def _threaded(x: EmulatorClient, brand_handle: str, sent: SentReply) -> bool:
    """The reply's posts on X form a chain under the customer's post that opened the case."""
    first = x.get_post(sent.x_ids[0])
    parent = first["in_reply_to_tweet_id"]
    if parent is None or x.get_post(parent)["author"] != sent.customer:
        return False
    for previous, current in zip(sent.x_ids, sent.x_ids[1:], strict=False):
        post = x.get_post(current)
        if post["in_reply_to_tweet_id"] != previous or post["author"] != brand_handle:
            return False
    return True
