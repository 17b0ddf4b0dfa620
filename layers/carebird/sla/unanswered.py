"""How long the longest-waiting customer has waited for a first answer, across every brand and queue.

Published every minute as OldestUnansweredAge (seconds; 0 when nobody waits), which the
OldestUnansweredAlarm watches: a single forgotten mention shows up here even when no SLA is configured.
The same listing feeds the net under the SLA alarms (carebird.sla.overdue).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from carebird.brands import Brand
from carebird.brands.desk import TriageConfigError, load_triage_config
from carebird.cases.model import Case, CaseStatus


class QueueReader(Protocol):
    def queue(
        self, brand_id: str, queue: str, status: str | None = None, limit: int | None = 100
    ) -> list[Case]: ...


@dataclass(frozen=True)
class Oldest:
    age_seconds: float
    case_id: str | None
    waiting: int


def waiting_cases(brands: Iterable[Brand], cases: QueueReader) -> list[Case]:
    """Every brand's queued and assigned cases, as their queues list them (without decision logs): the
    cases whose clocks run."""
    found: list[Case] = []
    for brand in brands:
        try:
            queues = brand.config.triage.queues
        except TriageConfigError:
            queues = load_triage_config(None).queues  # a broken config must not hide waiting customers
        for queue in queues:
            for status in (CaseStatus.QUEUED, CaseStatus.ASSIGNED):
                found += cases.queue(brand.id, queue, status=status.value, limit=None)
    return found


def oldest_among(waiting: Iterable[Case], now: datetime) -> Oldest:
    """The longest wait for a first answer among these open cases."""
    oldest: Case | None = None
    count = 0
    for case in waiting:
        if case.first_response_at is not None:
            continue
        count += 1
        if oldest is None or case.first_message_at < oldest.first_message_at:
            oldest = case
    if oldest is None:
        return Oldest(0.0, None, 0)
    return Oldest(max(0.0, (now - oldest.first_message_at).total_seconds()), oldest.id, count)
