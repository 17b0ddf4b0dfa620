"""Satisfaction surveys in DynamoDB. Implements carebird.followup.service.SurveyStore.

    entity   pk                sk       gsi1pk / gsi1sk
    survey   SURVEY#<case>     SURVEY   SURVEYS_DUE / <due iso>#<case>   (only while due: a sparse index)

- schedule: PutItem with `attribute_not_exists(pk)`: one survey per case, whatever triggers it twice.
- due surveys, oldest first: Query gsi1 SURVEYS_DUE with sk <= "<now iso>~".
- finish: PutItem with `status = due` (the sweep that gets there first wins); the new item carries no
  gsi1 keys, so it leaves the due index in the same write.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import PutError

from carebird.followup.model import Survey, SurveyStatus
from carebird.storage.table import Gsi1, TableItem, bind, is_condition_failure

DUE = "SURVEYS_DUE"


class SurveyItem(TableItem):
    body = UnicodeAttribute()
    status = UnicodeAttribute()
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    due_index = Gsi1()


class DynamoSurveyStore:
    def __init__(self, table_name: str, *, host: str | None = None, region: str | None = None) -> None:
        self._item = bind(SurveyItem, table_name, host=host, region=region)

    def _to_item(self, survey: Survey) -> SurveyItem:
        due = survey.status is SurveyStatus.DUE
        return self._item(
            f"SURVEY#{survey.case_id}",
            "SURVEY",
            body=survey.model_dump_json(),
            status=survey.status.value,
            gsi1pk=DUE if due else None,
            gsi1sk=f"{survey.due_at.astimezone(UTC).isoformat()}#{survey.case_id}" if due else None,
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

    def due(self, now: datetime, limit: int) -> list[Survey]:
        bound = f"{now.astimezone(UTC).isoformat()}~"
        items = self._item.due_index.query(DUE, self._item.gsi1sk <= bound, limit=limit)
        return [Survey.model_validate_json(item.body) for item in items]

    def finish(self, survey: Survey) -> bool:
        try:
            self._to_item(survey).save(condition=self._item.status == SurveyStatus.DUE.value)
        except PutError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True
