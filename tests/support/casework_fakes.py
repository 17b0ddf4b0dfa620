"""In-memory fakes of the case-work ports, with the DynamoDB adapters' rules (optimistic locking on
`version`, one conditional assignment per case), and a `CaseWorld` wiring them to the real service and the
real outbound Deliverer over FakeX."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from carebird.cases.model import (
    Agent,
    Case,
    CaseMessage,
    CaseStatus,
    Channel,
    Customer,
    resolved_at,
    with_customer_text,
)
from carebird.cases.ports import CaseConflict, CaseHeld, CaseTooLarge
from carebird.casework.model import CannedResponse, EarlierCase, Presence, RoutingCorrection
from carebird.casework.service import CaseWorkService
from carebird.outbound.delivery import Deliverer
from tests.support.ingest_fakes import FakeClock, FakeMetrics
from tests.support.outbound_fakes import BRAND, CUSTOMER_ID, FakeBrands, FakeOutbox, FakeX

BRAND_ID = BRAND.user_id
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _due_key(case: Case) -> tuple[str, datetime, str]:
    return case.status.value, case.first_response_due or case.created_at, case.id


# DynamoDB's item limit, measured as the adapter stores a case: its JSON without the archived decisions.
MAX_ITEM_BYTES = 400 * 1024
DECISIONS_KEPT = 25


class FakeCaseRepository:
    def __init__(self, roster: FakeRoster | None = None) -> None:
        self.cases: dict[str, Case] = {}
        self.threads: dict[str, dict[str, CaseMessage]] = {}
        self.conflicts_to_inject = 0
        self.roster = roster  # for save_claimed: the assignment lives beside the case, as in the table

    def get(self, case_id: str) -> Case | None:
        return self.cases.get(case_id)

    def open_case_for_conversation(self, brand_id: str, conversation_id: str) -> Case | None:
        return next(
            (c for c in self.cases.values() if conversation_id in c.conversation_ids and c.status.is_open),
            None,
        )

    def open_case_for_customer(self, brand_id: str, customer_id: str) -> Case | None:
        return next(
            (c for c in self.cases.values() if c.customer.id == customer_id and c.status.is_open), None
        )

    def create(self, case: Case, message: CaseMessage) -> Case:
        if case.id not in self.cases:
            self.cases[case.id] = case.model_copy(update={"version": 1})
            self.threads[case.id] = {message.id: message}
        return self.cases[case.id]

    def add_message(self, case: Case, message: CaseMessage) -> bool:
        thread = self.threads.setdefault(case.id, {})
        if message.id in thread:
            return False
        thread[message.id] = message
        return True

    def put_message(self, case_id: str, message: CaseMessage) -> None:
        self.threads.setdefault(case_id, {})[message.id] = message

    def messages(self, case_id: str) -> list[CaseMessage]:
        return sorted(self.threads.get(case_id, {}).values(), key=lambda m: (m.created_at, m.id))

    def save(self, case: Case) -> Case:
        if self.conflicts_to_inject:
            # Someone else saved in between: the stored version moves on.
            self.conflicts_to_inject -= 1
            stored = self.cases[case.id]
            self.cases[case.id] = stored.model_copy(update={"version": stored.version + 1})
            raise CaseConflict(case.id)
        stored = self.cases.get(case.id)
        if stored is None or stored.version != case.version:
            raise CaseConflict(case.id)
        kept = case.model_copy(update={"decisions": case.decisions[-DECISIONS_KEPT:]})
        if len(kept.model_dump_json().encode()) > MAX_ITEM_BYTES:
            raise CaseTooLarge(case.id)
        saved = case.model_copy(update={"version": case.version + 1})
        self.cases[case.id] = saved
        return saved

    def save_claimed(self, case: Case, agent: Agent, at: datetime) -> Case:
        assert self.roster is not None, "FakeCaseRepository(roster=...) to claim with a save"
        holder = self.roster.holder(case.id)
        if holder is not None:
            raise CaseHeld(holder)
        saved = self.save(case)  # raises before the claim: nothing is taken
        self.roster.take(agent, case.id, at)
        return saved

    def queue(
        self, brand_id: str, queue: str, status: str | None = None, limit: int | None = 100
    ) -> list[Case]:
        found = sorted(
            (
                c
                for c in self.cases.values()
                if c.brand_id == brand_id
                and c.queue == queue
                and (status is None or c.status.value == status)
            ),
            key=_due_key,
        )
        return found if limit is None else found[:limit]

    def customer_cases(self, brand_id: str, customer_id: str, limit: int) -> list[EarlierCase]:
        mine = [c for c in self.cases.values() if c.brand_id == brand_id and c.customer.id == customer_id]
        mine.sort(key=lambda c: (c.created_at, c.id), reverse=True)
        return [
            EarlierCase(id=c.id, status=c.status.value, opened_at=c.created_at, resolved_at=resolved_at(c))
            for c in mine[:limit]
        ]

    def assigned_to(self, brand_id: str, agent_id: str, limit: int | None = None) -> list[Case]:
        found = sorted(
            (
                c
                for c in self.cases.values()
                if c.brand_id == brand_id and c.assignee == agent_id and c.status.is_open
            ),
            key=_due_key,
        )
        return found if limit is None else found[:limit]


class FakeRoster:
    def __init__(self, agents: list[Agent]) -> None:
        self.by_id = {a.id: a for a in agents}
        self.assignments: dict[str, str] = {}

    def agents(self, brand_id: str) -> list[Agent]:
        return [a for a in self.by_id.values() if a.brand_id == brand_id]

    def agent(self, brand_id: str, agent_id: str) -> Agent | None:
        agent = self.by_id.get(agent_id)
        return agent if agent is not None and agent.brand_id == brand_id else None

    def put(self, agent: Agent) -> None:
        self.by_id[agent.id] = agent

    def holder(self, case_id: str) -> str | None:
        return self.assignments.get(case_id)

    def _load(self, agent_id: str, delta: int) -> None:
        current = self.by_id[agent_id]
        self.by_id[agent_id] = current.model_copy(update={"open_cases": max(0, current.open_cases + delta)})

    def claim(self, agent: Agent, case_id: str, at: datetime) -> str | None:
        if case_id in self.assignments:
            return self.assignments[case_id]
        if self.by_id[agent.id].open_cases >= agent.capacity:
            return None
        return self.take(agent, case_id, at)

    def take(self, agent: Agent, case_id: str, at: datetime) -> str:
        if case_id not in self.assignments:
            self.assignments[case_id] = agent.id
            self._load(agent.id, +1)
        return self.assignments[case_id]

    def release(self, agent_id: str, case_id: str) -> None:
        if self.assignments.get(case_id) == agent_id:
            del self.assignments[case_id]
            self._load(agent_id, -1)


class FakeCorrections:
    def __init__(self) -> None:
        self.items: dict[str, RoutingCorrection] = {}

    def record(self, correction: RoutingCorrection) -> None:
        self.items.setdefault(correction.id, correction)

    def corrections(self, brand_id: str, since: datetime | None = None) -> list[RoutingCorrection]:
        found = [
            c for c in self.items.values() if c.brand_id == brand_id and (since is None or c.at >= since)
        ]
        return sorted(found, key=lambda c: (c.at, c.case_id, c.id))


class FakeCanned:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], CannedResponse] = {}

    def canned_responses(self, brand_id: str) -> list[CannedResponse]:
        return [r for (b, _), r in self.items.items() if b == brand_id]

    def canned_response(self, brand_id: str, response_id: str) -> CannedResponse | None:
        return self.items.get((brand_id, response_id))

    def put_canned_response(self, response: CannedResponse) -> None:
        self.items[(response.brand_id, response.id)] = response

    def delete_canned_response(self, brand_id: str, response_id: str) -> bool:
        return self.items.pop((brand_id, response_id), None) is not None


class FakePresence:
    """Marks kept as written, expired ones too (as DynamoDB's late TTL leaves them)."""

    def __init__(self) -> None:
        self.marks: dict[tuple[str, str], Presence] = {}

    def mark(self, case_id: str, presence: Presence) -> None:
        self.marks[(case_id, presence.agent_id)] = presence

    def present(self, case_id: str) -> list[Presence]:
        return [m for (c, _), m in self.marks.items() if c == case_id]


class FakeScores:
    def __init__(self) -> None:
        self.scores: dict[str, int] = {}

    def csat(self, case_id: str) -> int | None:
        return self.scores.get(case_id)


class FakeSignal:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def first_response(self, task_token: str, output: dict[str, Any]) -> None:
        self.sent.append((task_token, output))


AGENTS = [
    Agent(id="ana", brand_id=BRAND_ID, name="Ana", skills=("billing",)),
    Agent(id="ben", brand_id=BRAND_ID, name="Ben", skills=("billing", "bookings")),
    Agent(id="chen", brand_id=BRAND_ID, name="Chen", skills=("technical",)),
    Agent(id="sue", brand_id=BRAND_ID, name="Sue", role="supervisor"),
    Agent(id="tri", brand_id=BRAND_ID, name="Tri", skills=("triage",)),
]


class CaseWorld:
    """The service on fakes, X included. `clock` drives both the service and the deliveries."""

    def __init__(self) -> None:
        self.clock = FakeClock(NOW)
        self.x = FakeX(self.clock)
        self.outbox = FakeOutbox()
        self.metrics = FakeMetrics()
        self.roster = FakeRoster(list(AGENTS))
        self.cases = FakeCaseRepository(self.roster)
        self.corrections = FakeCorrections()
        self.canned = FakeCanned()
        self.signal = FakeSignal()
        self.presence = FakePresence()
        self.scores = FakeScores()
        self.brands = FakeBrands(BRAND)
        self._ids = 0
        self.service = CaseWorkService(
            cases=self.cases,
            agents=self.roster,
            brands=self.brands,
            sender=Deliverer(
                self.outbox, self.x, self.brands, self.metrics, clock=self.clock.now, sleep=self.clock.sleep
            ),
            deliveries=self.outbox,
            corrections=self.corrections,
            canned=self.canned,
            signal=self.signal,
            metrics=self.metrics,
            presence=self.presence,
            scores=self.scores,
            clock=self.clock.now,
            new_id=self._new_id,
            engagement=self.x,
        )

    def _new_id(self) -> str:
        self._ids += 1
        return f"id{self._ids}"

    def open_case(
        self,
        text: str = "@AcmeHelp I was charged twice, refund please",
        *,
        queue: str = "billing",
        skill: str | None = "billing",
        due_in: timedelta = timedelta(hours=1),
        mentions_brand: bool = True,
        channel: Channel = Channel.PUBLIC,
        assignee: str | None = None,
        status: CaseStatus | None = None,
        **changes: Any,
    ) -> Case:
        now = self.clock.now()
        if channel is Channel.PUBLIC:
            message_id = self.x.customer_post(text, mentions_brand=mentions_brand)
        else:
            message_id = f"dm{len(self.cases.cases) + 1}"
        case = Case(
            id=f"{BRAND_ID}-t{message_id}",
            brand_id=BRAND_ID,
            customer=Customer(id=CUSTOMER_ID, username="alice", name="Alice", followers=340),
            channel=channel,
            status=status or (CaseStatus.ASSIGNED if assignee else CaseStatus.QUEUED),
            queue=queue,
            skill=skill,
            language="en",
            assignee=assignee,
            priority="P2",
            conversation_ids=(message_id,),
            message_ids=(message_id,),
            customer_texts=with_customer_text((), text),
            created_at=now,
            updated_at=now,
            first_message_at=now,
            first_response_due=now + due_in,
            **{
                "classification": {
                    "skill": {"label": skill, "confidence": 0.8},
                    "reasons": ["keyword refund"],
                },
                **changes,
            },
        )
        message = CaseMessage(
            id=message_id,
            direction="in",
            channel=channel,
            author_id=CUSTOMER_ID,
            text=text,
            created_at=now,
            conversation_id=message_id if channel is Channel.PUBLIC else None,
            classification=case.classification,
        )
        stored = self.cases.create(case, message)
        if assignee:
            self.roster.take(self.roster.by_id[assignee], stored.id, now)
        return stored
