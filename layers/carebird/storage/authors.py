"""The author directory (carebird.ingest.ports AuthorDirectory): each author's X profile as last read,
one small item per author, shared by the deployment's brands (a profile is public and the same for all).

    entity    pk              sk         attributes
    profile   AUTHOR#<id>     PROFILE    username, name, followers, verified, verified_type, protected,
                                         read_at (ISO UTC), expires_at (epoch s, TTL)

- profiles: BatchGetItem of the ids' items (100 keys a request), those read at or after `read_since`.
- remember: BatchWriteItem (PutItem each); `expires_at` lets DynamoDB's TTL delete a profile nobody
  needed again for `keep_for` after it was read.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute

from carebird.ingest.model import Author
from carebird.storage.table import BATCH_GET_LIMIT, TableItem, bind

SK = "PROFILE"


class AuthorItem(TableItem):
    username = UnicodeAttribute(null=True)
    name = UnicodeAttribute(null=True)
    followers = NumberAttribute(null=True)
    verified = BooleanAttribute(null=True)
    verified_type = UnicodeAttribute(null=True)
    protected = BooleanAttribute(null=True)
    read_at = UnicodeAttribute()
    expires_at = NumberAttribute()


class DynamoAuthorDirectory:
    def __init__(
        self,
        table_name: str,
        *,
        keep_for: timedelta = timedelta(days=30),
        host: str | None = None,
        region: str | None = None,
    ) -> None:
        self._item = bind(AuthorItem, table_name, host=host, region=region)
        self._keep_for = keep_for

    def profiles(self, author_ids: Collection[str], read_since: datetime) -> dict[str, Author]:
        keys = [(f"AUTHOR#{author_id}", SK) for author_id in dict.fromkeys(author_ids)]
        found: dict[str, Author] = {}
        for start in range(0, len(keys), BATCH_GET_LIMIT):
            for item in self._item.batch_get(keys[start : start + BATCH_GET_LIMIT]):
                if datetime.fromisoformat(item.read_at) < read_since:
                    continue
                author = _author(item)
                found[author.id] = author
        return found

    def remember(self, authors: Sequence[Author], read_at: datetime) -> None:
        expires_at = int((read_at + self._keep_for).timestamp())
        with self._item.batch_write() as batch:
            for author in authors:
                batch.save(
                    self._item(
                        f"AUTHOR#{author.id}",
                        SK,
                        username=author.username or None,
                        name=author.name or None,
                        followers=author.followers_count,
                        verified=author.verified,
                        verified_type=author.verified_type,
                        protected=author.protected,
                        read_at=read_at.astimezone(UTC).isoformat(),
                        expires_at=expires_at,
                    )
                )


def _author(item: AuthorItem) -> Author:
    return Author(
        id=str(item.pk).removeprefix("AUTHOR#"),
        username=item.username or "",
        name=item.name or "",
        followers_count=int(item.followers) if item.followers is not None else None,
        verified=item.verified,
        verified_type=item.verified_type,
        protected=item.protected,
    )
