"""The task tokens of the SLA watches waiting on a case's clocks, the first response too (carebird.sla.watch).

    entity       pk            sk                     attributes
    watch token  CASE#<case>   WATCH#<clock>#<key>    token, expires_at (epoch s, TTL)

A Step Functions task token is up to 2,048 characters of random text (it does not compress): in the case
item it would make every save of the case, and every read of it, pay for it. The case keeps only the
token's key (Case.watched); the token is read only when a saved change moved that clock, to wake it.

- keep (the watch's Await step): PutItem, before the case item says the clock is watched. Its key is the
  token's digest, so a retried Await writes the same item and a stale Await (an older token) writes an
  item of its own that the case never points at: no write overwrites another token.
- read (a change moved the clock): GetItem, consistent. The case's Query (CASE to DECISION#~) never
  reaches these items. They are left to expire (`expires_at`, a year and a week after they were kept: a
  Standard execution lives at most a year), so ending a watch writes nothing more.
"""

from __future__ import annotations

import time

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist

from carebird.storage.case_items import case_pk
from carebird.storage.table import TableItem, bind

# How long a kept token stays: a Standard execution's longest life and a week.
KEPT_SECONDS = (366 + 7) * 24 * 3600


class WatchTokenItem(TableItem):
    token = UnicodeAttribute()
    expires_at = NumberAttribute()


def watch_sk(clock: str, key: str) -> str:
    return f"WATCH#{clock}#{key}"


class DynamoWatchTokens:
    def __init__(self, table_name: str, *, host: str | None = None, region: str | None = None) -> None:
        self._item = bind(WatchTokenItem, table_name, host=host, region=region)

    def keep(self, case_id: str, clock: str, key: str, task_token: str) -> None:
        expires = int(time.time()) + KEPT_SECONDS
        self._item(case_pk(case_id), watch_sk(clock, key), token=task_token, expires_at=expires).save()

    def get(self, case_id: str, clock: str, key: str) -> str | None:
        try:
            return str(self._item.get(case_pk(case_id), watch_sk(clock, key), consistent_read=True).token)
        except DoesNotExist:
            return None
