"""How long the longest-waiting customer has waited for a first answer, across every brand and queue.

Published every minute as OldestUnansweredAge (seconds; 0 when nobody waits), which the
OldestUnansweredAlarm watches: a single forgotten mention shows up here even when no SLA is configured.
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


def oldest_unanswered(brands: Iterable[Brand], cases: QueueReader, now: datetime) -> Oldest:
    oldest: Case | None = None
    waiting = 0
    for brand in brands:
        try:
            queues = brand.config.triage.queues
        except TriageConfigError:
            queues = load_triage_config(None).queues  # a broken config must not hide waiting customers
        for queue in queues:
            for status in (CaseStatus.QUEUED, CaseStatus.ASSIGNED):
                for case in cases.queue(brand.id, queue, status=status.value, limit=None):
                    if case.first_response_at is not None:
                        continue
                    waiting += 1
                    if oldest is None or case.first_message_at < oldest.first_message_at:
                        oldest = case
    if oldest is None:
        return Oldest(0.0, None, 0)
    return Oldest(max(0.0, (now - oldest.first_message_at).total_seconds()), oldest.id, waiting)
