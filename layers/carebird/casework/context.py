"""What every job of case work shares: the ports it talks through, its clock and its source of ids.

One `CaseWorkContext` is built by the `CaseWorkService` facade and handed to each job (queries, claims,
replies, assignment, resolution, ...), so they all see the same stores and the same time.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from carebird.casework.ports import (
    AgentRoster,
    BrandLookup,
    CannedResponseStore,
    CaseRepository,
    CorrectionLog,
    DeliveryRecords,
    MetricsSink,
    PresenceBoard,
    ReplySender,
    ResolutionListener,
    SatisfactionScores,
    XEngagement,
)
from carebird.sla.ports import SlaSignals

Clock = Callable[[], datetime]
# A queue's cases awaiting a first response due within this window count as at risk.
AT_RISK_WINDOW = timedelta(minutes=30)


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_hex_id() -> str:
    return uuid.uuid4().hex


@dataclass
class CaseWorkContext:
    cases: CaseRepository
    agents: AgentRoster
    brands: BrandLookup
    sender: ReplySender
    deliveries: DeliveryRecords
    corrections: CorrectionLog
    canned: CannedResponseStore
    signals: SlaSignals
    metrics: MetricsSink
    presence: PresenceBoard
    scores: SatisfactionScores
    clock: Clock = utc_now
    new_id: Callable[[], str] = new_hex_id
    at_risk_window: timedelta = AT_RISK_WINDOW
    on_resolved: ResolutionListener | None = None
    engagement: XEngagement | None = field(default=None)
