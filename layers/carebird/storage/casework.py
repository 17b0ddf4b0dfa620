"""Routing corrections and canned responses in DynamoDB (carebird.casework.ports CorrectionLog and
CannedResponseStore).

    entity            pk                  sk                          attributes
    correction        CORRECTION#<b>      <at ISO UTC>#<case>#<id>    body (RoutingCorrection JSON), case_id
    canned response   CANNED#<b>          CANNED#<id>                 body (CannedResponse JSON)

(`<b>` is the brand's X user id.) Access patterns:
- record a correction: PutItem with `attribute_not_exists(pk)`; the same correction again is a no-op.
- a new correction adds one to the reports' correction counter of its day, original queue and kind
  (carebird.storage.counters); recording it again counts nothing.
- a brand's corrections, oldest first (what `carebird export-corrections` reads): Query CORRECTION#<b>,
  optionally sk >= <since ISO>. One partition per brand: corrections are people's decisions, a handful
  a minute at most, so the partition's write limit is far away.
- a brand's canned responses: Query CANNED#<b>; one: GetItem; put: PutItem; delete: DeleteItem.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import DeleteError, DoesNotExist, PutError

from carebird.casework.model import CannedResponse, RoutingCorrection
from carebird.observability import logger
from carebird.reports import tallies
from carebird.reports.ports import CounterWriter
from carebird.storage.counters import DynamoReportCounters
from carebird.storage.table import TableItem, bind, is_condition_failure


class CorrectionItem(TableItem):
    body = UnicodeAttribute()
    case_id = UnicodeAttribute()


class CannedItem(TableItem):
    body = UnicodeAttribute()


def correction_pk(brand_id: str) -> str:
    return f"CORRECTION#{brand_id}"


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


class DynamoCorrectionLog:
    def __init__(
        self,
        table_name: str,
        *,
        host: str | None = None,
        region: str | None = None,
        counters: CounterWriter | None = None,
    ) -> None:
        self._item = bind(CorrectionItem, table_name, host=host, region=region)
        self._counters = counters or DynamoReportCounters(table_name, host=host, region=region)

    def record(self, correction: RoutingCorrection) -> None:
        item = self._item(
            correction_pk(correction.brand_id),
            f"{_utc(correction.at)}#{correction.case_id}#{correction.id}",
            body=correction.model_dump_json(),
            case_id=correction.case_id,
        )
        try:
            item.save(condition=self._item.pk.does_not_exist())
        except PutError as exc:
            if not is_condition_failure(exc):
                raise
            return  # recorded before: counted before
        tally = tallies.correction(correction.original_queue, correction.kind, correction.at)
        try:
            self._counters.add(correction.brand_id, [tally])
        except Exception:  # the correction is kept; the report misses it, and the log says so
            logger.exception("report counters not updated", extra={"case_id": correction.case_id})

    def corrections(self, brand_id: str, since: datetime | None = None) -> list[RoutingCorrection]:
        condition = self._item.sk >= _utc(since) if since is not None else None
        items = self._item.query(correction_pk(brand_id), condition, consistent_read=True)
        return [RoutingCorrection.model_validate_json(item.body) for item in items]


class DynamoCannedResponses:
    def __init__(self, table_name: str, *, host: str | None = None, region: str | None = None) -> None:
        self._item = bind(CannedItem, table_name, host=host, region=region)

    def canned_responses(self, brand_id: str) -> list[CannedResponse]:
        items = self._item.query(
            f"CANNED#{brand_id}", self._item.sk.startswith("CANNED#"), consistent_read=True
        )
        return [CannedResponse.model_validate_json(item.body) for item in items]

    def canned_response(self, brand_id: str, response_id: str) -> CannedResponse | None:
        try:
            item = self._item.get(f"CANNED#{brand_id}", f"CANNED#{response_id}", consistent_read=True)
        except DoesNotExist:
            return None
        return CannedResponse.model_validate_json(item.body)

    def put_canned_response(self, response: CannedResponse) -> None:
        self._item(
            f"CANNED#{response.brand_id}", f"CANNED#{response.id}", body=response.model_dump_json()
        ).save()

    def delete_canned_response(self, brand_id: str, response_id: str) -> bool:
        item = self._item(f"CANNED#{brand_id}", f"CANNED#{response_id}")
        try:
            item.delete(condition=self._item.pk.exists())
        except DeleteError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True
