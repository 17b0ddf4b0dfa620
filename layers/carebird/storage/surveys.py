"""Satisfaction surveys in DynamoDB. Implements carebird.followup.service.SurveyStore.

    entity   pk             sk       gsi1pk / gsi1sk                         gsi2pk / gsi2sk
    survey   SURVEY#<case>  SURVEY   SURVEYS_DUE / <due iso>#<case>          -
                                     (while due)
                                     SURVEYS_WAITING / <answer by>#<case>    SURVEY_CUSTOMER#<b>#<cust> /
                                     (while sent and unanswered)             <sent iso>#<case>

- schedule: PutItem with `attribute_not_exists(pk)`: one survey per case, whatever triggers it twice.
- due surveys, oldest first: Query gsi1 SURVEYS_DUE with sk <= "<now iso>~".
- finish: PutItem with `status = due` (the sweep that gets there first wins).
- a customer's survey awaiting an answer: Query gsi2 SURVEY_CUSTOMER#<b>#<cust>, newest first.
- unanswered past their time: Query gsi1 SURVEYS_WAITING with sk <= "<now iso>~".
- record an answer or expiry: PutItem with `status = sent`; an answered survey leaves both indexes.
Both indexes are sparse: an item carries the keys only while it is in that state.
- an answer with a score, once recorded, adds one to the reports' CSAT counter of its score (carebird.
  storage.counters); a second record of the same answer is refused by the condition and counts nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import PutError

from carebird.followup.model import Survey, SurveyStatus
from carebird.observability import logger
from carebird.reports import tallies
from carebird.reports.ports import CounterWriter
from carebird.storage.counters import DynamoReportCounters
from carebird.storage.table import Gsi1, Gsi2, TableItem, bind, is_condition_failure, whole

DUE = "SURVEYS_DUE"
WAITING = "SURVEYS_WAITING"


class SurveyItem(TableItem):
    body = UnicodeAttribute()
    status = UnicodeAttribute()
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    due_index = Gsi1()
    customer_index = Gsi2()


class DynamoSurveyStore:
    def __init__(
        self,
        table_name: str,
        *,
        host: str | None = None,
        region: str | None = None,
        counters: CounterWriter | None = None,
    ) -> None:
        self._item = bind(SurveyItem, table_name, host=host, region=region)
        self._counters = counters or DynamoReportCounters(table_name, host=host, region=region)

    def _to_item(self, survey: Survey) -> SurveyItem:
        keys: dict[str, Any] = {"gsi1pk": None, "gsi1sk": None, "gsi2pk": None, "gsi2sk": None}
        if survey.status is SurveyStatus.DUE:
            keys["gsi1pk"] = DUE
            keys["gsi1sk"] = f"{_iso(survey.due_at)}#{survey.case_id}"
        elif survey.status is SurveyStatus.SENT and survey.sent_at is not None:
            keys["gsi1pk"] = WAITING
            keys["gsi1sk"] = f"{_iso(survey.answer_by or survey.sent_at)}#{survey.case_id}"
            keys["gsi2pk"] = f"SURVEY_CUSTOMER#{survey.brand_id}#{survey.customer_id}"
            keys["gsi2sk"] = f"{_iso(survey.sent_at)}#{survey.case_id}"
        return self._item(
            f"SURVEY#{survey.case_id}",
            "SURVEY",
            body=survey.model_dump_json(),
            status=survey.status.value,
            **keys,
        )

    def schedule(self, survey: Survey) -> bool:
        try:
            self._to_item(survey).save(condition=self._item.pk.does_not_exist())
        except PutError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def get(self, case_id: str) -> Survey | None:
        for item in self._item.query(f"SURVEY#{case_id}", consistent_read=True):
            return Survey.model_validate_json(item.body)
        return None

    def csat(self, case_id: str) -> int | None:
        """The customer's rating of the case (carebird.casework.ports SatisfactionScores)."""
        survey = self.get(case_id)
        return survey.score if survey is not None else None

    def due(self, now: datetime, limit: int) -> list[Survey]:
        bound = f"{now.astimezone(UTC).isoformat()}~"
        items = whole(self._item, self._item.due_index.query(DUE, self._item.gsi1sk <= bound, limit=limit))
        return [Survey.model_validate_json(item.body) for item in items]

    def finish(self, survey: Survey) -> bool:
        return self._put_if(survey, SurveyStatus.DUE)

    def awaiting_answer(self, brand_id: str, customer_id: str) -> Survey | None:
        items = self._item.customer_index.query(
            f"SURVEY_CUSTOMER#{brand_id}#{customer_id}", scan_index_forward=False, limit=1
        )
        for item in whole(self._item, items):
            return Survey.model_validate_json(item.body)
        return None

    def expired(self, now: datetime, limit: int) -> list[Survey]:
        items = whole(
            self._item, self._item.due_index.query(WAITING, self._item.gsi1sk <= f"{_iso(now)}~", limit=limit)
        )
        return [Survey.model_validate_json(item.body) for item in items]

    def record(self, survey: Survey) -> bool:
        recorded = self._put_if(survey, SurveyStatus.SENT)
        if recorded and survey.status is SurveyStatus.ANSWERED and survey.score is not None:
            at = survey.answered_at or datetime.now(UTC)
            try:
                self._counters.add(survey.brand_id, [tallies.csat(survey.queue, survey.score, at)])
            except Exception:  # the answer is stored; the report misses one score, and says so in the log
                logger.exception("report counters not updated", extra={"case_id": survey.case_id})
        return recorded

    def _put_if(self, survey: Survey, expected: SurveyStatus) -> bool:
        try:
            self._to_item(survey).save(condition=self._item.status == expected.value)
        except PutError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()
