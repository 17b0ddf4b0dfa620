"""In-memory fakes of the case-work ports beside the case store and roster (corrections, canned responses,
presence, scores, the workflow signal), and a `CaseWorld` wiring them, with tests.support.case_fakes'
FakeCaseRepository and FakeRoster, to the real service and the real outbound Deliverer over FakeX."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from carebird.cases.model import Agent, Case, CaseMessage, CaseStatus, Channel, Customer, with_customer_text
from carebird.casework.model import CannedResponse, Presence, RoutingCorrection
from carebird.casework.service import CaseWorkService
from carebird.outbound.delivery import Deliverer
from carebird.sla.ports import SlaSignals
from tests.support.case_fakes import FakeCaseRepository, FakeRoster
from tests.support.ingest_fakes import FakeClock, FakeMetrics
from tests.support.outbound_fakes import BRAND, CUSTOMER_ID, FakeBrands, FakeOutbox, FakeX
from tests.support.sla_fakes import FakeClockAlarm

BRAND_ID = BRAND.user_id
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


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

    def look_again(self, task_token: str, output: dict[str, Any]) -> None:
        self.sent.append((task_token, output))

    def finished(self, task_token: str, output: dict[str, Any]) -> None:
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
        self.signal = FakeSignal()  # the legacy watches'
        self.alarms = FakeClockAlarm()
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
            signals=SlaSignals(alarm=self.alarms, legacy=self.signal),
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
