"""What follow-up does to cases: reopen one on a low score, close one whose survey went unanswered."""

from __future__ import annotations

from datetime import datetime

from carebird.cases.model import CaseStatus, Decision
from carebird.cases.ports import CaseConflict, CaseStore
from carebird.reports.tallies import SURVEY_REOPENER

_RETRIES = 5


class FollowupCaseActions:
    def __init__(self, cases: CaseStore) -> None:
        self._cases = cases

    def reopen_for_low_score(self, case_id: str, queue: str, score: int, text: str, at: datetime) -> None:
        for _ in range(_RETRIES):
            case = self._cases.get(case_id)
            if case is None or case.status.is_open:
                return  # gone, or already reopened by someone
            quoted = text if len(text) <= 200 else text[:197] + "..."
            reopened = case.with_decision(
                Decision(
                    at=at,
                    kind="reopened",
                    value=queue,
                    reason=f"CSAT {score}/5 from the customer: {quoted!r}",
                    by=SURVEY_REOPENER,
                ),
                status=CaseStatus.QUEUED,
                queue=queue,
                assignee=None,
                updated_at=at,
            )
            try:
                self._cases.save(reopened)
                return
            except CaseConflict:
                continue
        raise CaseConflict(f"case {case_id} kept changing while reopening it")

    def close_unanswered(self, case_id: str, at: datetime) -> None:
        for _ in range(_RETRIES):
            case = self._cases.get(case_id)
            if case is None or case.status is not CaseStatus.RESOLVED:
                return
            closed = case.with_decision(
                Decision(
                    at=at,
                    kind="closed",
                    value="closed",
                    reason="no answer to the satisfaction survey in time",
                ),
                status=CaseStatus.CLOSED,
                closed_reason="survey unanswered",
                updated_at=at,
            )
            try:
                self._cases.save(closed)
                return
            except CaseConflict:
                continue
        raise CaseConflict(f"case {case_id} kept changing while closing it")
