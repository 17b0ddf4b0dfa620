"""The demo's story, seeded in seconds on the local stack for the team view's browser test: a brand of its
own (not polled), two agents and a supervisor with sign-ins, and cases written through the product's own
storage adapters (so every figure is counted as the functions count it): two customers answered in time,
resolved and rating 5 and 4; one answered, resolved and rating 1, which reopens the case to escalations as
follow-up does; one nobody answered, breached and escalated, still waiting (late); one open with an agent;
one post X sent that ingestion could not read, quarantined as unreadable; and two days of X spend against a
daily budget of $2.00 (today $0.78, 39%; yesterday $0.195), counted as the meter counts it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from carebird.cases.model import Case, CaseMessage, CaseStatus, Channel, Customer, Decision
from carebird.followup.cases import FollowupCaseActions
from carebird.followup.model import Survey, SurveyStatus
from carebird.ingest.model import Author, IngestedMention, Mention, MentionStatus
from carebird.spend.book import SpendBook
from carebird.spend.prices import XUse
from carebird.storage.cases import DynamoCaseStore
from carebird.storage.counters import DynamoSpendCounters
from carebird.storage.ingest import DynamoIngestStore
from carebird.storage.surveys import DynamoSurveyStore
from carebird_ops.local.endpoints import StackEndpoints
from carebird_ops.xemu.client import EmulatorClient
from tests.support.local_stack import add_agents, add_brand

HANDLE = "TeamDesk"
PASSWORD = "Integration-Passw0rd"
SUPERVISOR = "tv-lead"
AGENTS = {"tv-ana": ["--skills", "billing"], "tv-ben": ["--skills", "bookings"],
          SUPERVISOR: ["--supervisor"]}  # fmt: skip
UNREADABLE_ID = "1800000000000000001"
UNREADABLE_RAW = '{"id": "1800000000000000001", "text": "<b>help</b>"}'  # no created_at: unreadable
X_BUDGET_USD = 2.0


@dataclass
class TeamScenario:
    brand_id: str
    breached_case: str
    reopened_case: str
    scores: tuple[int, ...]


_SEEDED: dict[str, TeamScenario] = {}


def seed_team_scenario(stack: StackEndpoints) -> TeamScenario:
    """Seed the story once per stack (the integration and browser tests share the session's stack)."""
    if stack.aws not in _SEEDED:
        _SEEDED[stack.aws] = _seed(stack)
    return _SEEDED[stack.aws]


def _seed(stack: StackEndpoints) -> TeamScenario:
    x = EmulatorClient(stack.x_api)
    brand = add_brand(
        x, HANDLE, name="Team Desk", followers=900, settings={"x_daily_budget_usd": X_BUDGET_USD}
    )
    add_agents(HANDLE, AGENTS, PASSWORD)

    table = stack.resources["CarebirdTable"]
    cases, surveys = DynamoCaseStore(table), DynamoSurveyStore(table)
    now = datetime.now(UTC)

    def opened(customer: str, queue: str, minutes_ago: float, due_in: float) -> Case:
        post = x.post(customer, f"@{HANDLE} help with my {queue}, please")
        at = now - timedelta(minutes=minutes_ago)
        case = Case(
            id=f"{brand['id']}-t{post['id']}", brand_id=brand["id"],
            customer=Customer(id=x.ensure_user(customer)["id"], username=customer, name=customer.title()),
            channel=Channel.PUBLIC, status=CaseStatus.QUEUED, queue=queue, skill=queue, priority="P2",
            conversation_ids=(post["id"],), message_ids=(post["id"],), created_at=at, updated_at=at,
            first_message_at=at, first_response_due=at + timedelta(minutes=due_in),
            decisions=(Decision(at=at, kind="queue", value=queue, reason=f"keyword for {queue}"),),
        )  # fmt: skip
        message = CaseMessage(
            id=post["id"], direction="in", channel=Channel.PUBLIC, author_id=case.customer.id,
            text=post["text"], created_at=at, conversation_id=post["id"],
        )  # fmt: skip
        return cases.create(case, message)

    def answered_and_resolved(case: Case, agent: str) -> Case:
        replied = case.first_message_at + timedelta(minutes=4)
        case = cases.save(case.with_decision(
            Decision(at=replied, kind="first_response", value="met", reason="in time", by=agent),
            status=CaseStatus.PENDING_CUSTOMER, assignee=agent, first_response_at=replied, sla_met=True,
        ))  # fmt: skip
        done = replied + timedelta(minutes=2)
        case = case.with_decision(
            Decision(at=done, kind="resolved", value="resolved", reason="fixed", by=agent)
        )
        return cases.save(case.with_decision(
            Decision(at=done, kind="resolution", value="met", reason="resolved in time"),
            status=CaseStatus.RESOLVED, updated_at=done,
        ))  # fmt: skip

    def rated(case: Case, score: int) -> None:
        sent = Survey(
            case_id=case.id, brand_id=case.brand_id, brand_handle=HANDLE, customer_id=case.customer.id,
            customer_handle=case.customer.username, reply_to_tweet_id=None, due_at=now,
            status=SurveyStatus.SENT, sent_at=now, queue=case.queue,
        )  # fmt: skip
        surveys.schedule(sent)
        answer = sent.model_copy(update={"status": SurveyStatus.ANSWERED, "score": score, "answered_at": now})
        assert surveys.record(answer)
        if score <= 2:  # as follow-up does with the brand's default low score and reopen queue
            FollowupCaseActions(cases).reopen_for_low_score(case.id, "escalations", score, str(score), now)

    scores = (5, 4, 1)
    resolved = [
        answered_and_resolved(opened("tvalice", "billing", 30, 60), "tv-ana"),
        answered_and_resolved(opened("tvbob", "bookings", 25, 60), "tv-ben"),
        answered_and_resolved(opened("tvcarol", "billing", 20, 60), "tv-ana"),
    ]
    for case, score in zip(resolved, scores, strict=True):
        rated(case, score)

    ignored = opened("tvhana", "billing", 90, 15)  # due 75 minutes ago: nobody answered
    breach_at = ignored.first_message_at + timedelta(minutes=15)
    cases.save(ignored.with_decision(
        Decision(at=breach_at, kind="sla_breach", value="first_response", reason="first response not made"),
        queue="escalations", priority="P1", sla_breaches=1, updated_at=breach_at,
    ))  # fmt: skip
    working = opened("tvdan", "billing", 5, 60)
    cases.save(working.with_decision(
        Decision(at=now, kind="assignment", value="tv-ana", reason="claimed", by="tv-ana"),
        status=CaseStatus.ASSIGNED, assignee="tv-ana",
    ))  # fmt: skip
    DynamoIngestStore(table).put_message(IngestedMention(
        brand_id=brand["id"], status=MentionStatus.UNREADABLE, ingested_at=now,
        mention=Mention(id=UNREADABLE_ID, author=Author(id="0"), text=UNREADABLE_RAW, created_at=now,
                        unreadable="KeyError: 'created_at'"),
    ))  # fmt: skip
    spend = SpendBook(DynamoSpendCounters(table))  # as the functions write it when an invocation ends
    spend.record(brand["id"], now.date() - timedelta(days=1), {XUse.POST_READ: 30, XUse.DM_SENT: 3})
    spend.record(brand["id"], now.date(), {XUse.POST_READ: 40, XUse.POST: 12, XUse.POST_WITH_URL: 2})
    return TeamScenario(brand["id"], breached_case=ignored.id, reopened_case=resolved[2].id, scores=scores)
