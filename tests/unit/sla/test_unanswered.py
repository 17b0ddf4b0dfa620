from __future__ import annotations

from datetime import datetime, timedelta

from carebird.brands import Brand
from carebird.brands.desk import load_triage_config
from carebird.cases.model import Case
from carebird.sla.unanswered import Oldest, QueueReader, oldest_among, waiting_cases
from tests.support.triage_fakes import NOW, FakeAgents, FakeCases, FixedPriority, classified, message

BRAND = Brand(handle="AcmeHelp", user_id="1000", credentials_secret="s")


def oldest_unanswered(brands: list[Brand], cases: QueueReader, now: datetime) -> Oldest:
    """What the follow-up function's sweep publishes: the oldest wait among the listed waiting cases."""
    return oldest_among(waiting_cases(brands, cases), now)


class Queues:
    def __init__(self, cases: FakeCases) -> None:
        self.cases = cases

    def queue(
        self, brand_id: str, queue: str, status: str | None = None, limit: int | None = 100
    ) -> list[Case]:
        return [
            c
            for c in self.cases.cases.values()
            if c.queue == queue and (status is None or c.status == status)
        ]


def test_the_oldest_customer_without_a_first_answer_counts() -> None:
    from carebird.triage.service import TriageService

    cases = FakeCases()
    svc = TriageService(cases, FakeAgents([]), FixedPriority(), clock=lambda: NOW)
    config = load_triage_config(None)
    old = message(id="1", conversation="1").model_copy(
        update={"brand_id": "1000", "created_at": NOW - timedelta(hours=2)}
    )
    new = message(id="2", conversation="2").model_copy(
        update={"brand_id": "1000", "created_at": NOW - timedelta(minutes=5)}
    )
    first = svc.triage(old, classified(), config)
    svc.triage(new, classified(), config)
    result = oldest_unanswered([BRAND], Queues(cases), NOW)
    assert (result.case_id, result.age_seconds, result.waiting) == (first.case_id, 7200.0, 2)
    answered = cases.get(first.case_id)
    assert answered is not None
    cases.save(answered.model_copy(update={"first_response_at": NOW}))
    assert oldest_unanswered([BRAND], Queues(cases), NOW).age_seconds == 300.0


def test_nobody_waiting_is_zero() -> None:
    assert oldest_unanswered([BRAND], Queues(FakeCases()), NOW).age_seconds == 0.0
