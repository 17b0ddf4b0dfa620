"""Who wrote a message, read from X once per author and `max_age`, not once per author and UTC day.

X bills a user read ($0.010, twice a post read and ten times an owned read) for every user it returns,
an expanded author (`includes.users`) as much as a user lookup, and forgets what it billed at the end of
the UTC day. A customer who writes on Monday and again on Wednesday would be billed twice for the same
profile. So the feeds read messages without expanding their authors, and `ProfiledReader` fills each
page's authors in from the deployment's directory of profiles (`AuthorDirectory`), reading from X (one
lookup per page, `UsersReader`) only the authors the directory does not know, or knows from longer ago
than `max_age` (triage reads followers and verification: a week-old count ranks a message as well).

Messages nobody triages need no profile and cost no user read: the brand's own posts and DMs (the brand
is known), retweets, and posts the adapter could not read. A lookup that fails fails the page (its
messages are read again on the next poll, as after any failed read): a message is never stored with a
profile missing by accident. A directory that fails costs user reads, never a message.

Past a brand's daily X budget (`x_daily_budget_usd`, spent by midnight UTC) profiles are the reads that
can wait: new authors are not looked up, and their messages go on to triage and to people without one,
named by account id, their followers unknown (not zero: `carebird.triage.classify`), as an account X
returns no profile for. The directory still fills the authors it knows. Mentions and DMs are never read
less. A spend that cannot be read holds nothing back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Generic, TypeVar

from carebird.brands import Brand
from carebird.ingest.model import Author, DirectMessage, DmSender, M, Mention, Page
from carebird.ingest.ports import AuthorDirectory, Clock, FeedReader, SpendBudgets, UsersReader
from carebird.observability import logger

Q = TypeVar("Q")

USERS_PER_LOOKUP = 100  # X's limit for GET /2/users?ids=


@dataclass(frozen=True)
class AuthorProfiles:
    directory: AuthorDirectory
    users: UsersReader
    clock: Clock
    max_age: timedelta
    budgets: SpendBudgets | None = None  # None: no brand's X budget holds a lookup back

    def fill(self, brand: Brand, messages: Sequence[M]) -> list[M]:
        """The messages with their authors' profiles: from the directory when it read them within
        `max_age`, else from X (and then remembered), unless the brand's X budget for the day is spent."""
        wanted = list(dict.fromkeys(i for m in messages if (i := _needs_profile(brand, m)) is not None))
        found: dict[str, Author] = {}
        if wanted:
            now = self.clock.now()
            found = self._known(wanted, now - self.max_age)
            missing = [i for i in wanted if i not in found]
            if missing and self._budget_spent(brand, now):
                logger.warning(
                    "X budget spent today: new authors' profiles are not read; their messages go on",
                    extra={"brand": brand.handle, "authors": len(missing)},
                )
                missing = []
            read: list[Author] = []
            for start in range(0, len(missing), USERS_PER_LOOKUP):
                read.extend(self.users.users(brand, missing[start : start + USERS_PER_LOOKUP]))
            found.update((a.id, a) for a in read)
            self._remember(read, now)
        own = Author(id=brand.user_id, username=brand.handle)
        filled = []
        for message in messages:
            author_id = _author_id(message)
            profile = own if author_id == brand.user_id else found.get(author_id)
            if profile is None or _username(message):
                filled.append(message)
            else:
                filled.append(_with_profile(message, profile))
        return filled

    def _budget_spent(self, brand: Brand, now: datetime) -> bool:
        limit = brand.config.x_daily_budget_usd
        if limit is None or self.budgets is None:
            return False
        try:
            return self.budgets.budget(brand.id, now.astimezone(UTC).date(), limit).exhausted
        except Exception:
            logger.warning("X spend unreadable: new authors' profiles are read", exc_info=True)
            return False

    def _known(self, author_ids: list[str], read_since: datetime) -> dict[str, Author]:
        try:
            return self.directory.profiles(author_ids, read_since)
        except Exception:
            logger.warning("author directory unreadable: the authors are read from X", exc_info=True)
            return {}

    def _remember(self, authors: list[Author], now: datetime) -> None:
        if not authors:
            return
        try:
            self.directory.remember(authors, now)
        except Exception:
            logger.warning("author profiles not remembered: they will be read from X again", exc_info=True)


class ProfiledReader(Generic[Q, M]):
    """A feed reader whose pages come back with their authors' profiles (`AuthorProfiles`). Implements
    `carebird.ingest.ports.FeedReader`."""

    def __init__(self, reader: FeedReader[Q, M], profiles: AuthorProfiles) -> None:
        self.reader: FeedReader[Q, M] = reader  # the feed's own reader, whose authors are ids only
        self._profiles = profiles

    def read(self, brand: Brand, query: Q) -> Page[M]:
        page = self.reader.read(brand, query)
        return replace(page, messages=self._profiles.fill(brand, page.messages))


def _author_id(message: Mention | DirectMessage) -> str:
    return message.author.id if isinstance(message, Mention) else message.sender.id


def _username(message: Mention | DirectMessage) -> str:
    return message.author.username if isinstance(message, Mention) else message.sender.username


def _needs_profile(brand: Brand, message: Mention | DirectMessage) -> str | None:
    """The id of the message's author when triage will read the message and its profile is missing."""
    if _username(message) or (isinstance(message, Mention) and (message.unreadable or message.is_retweet)):
        return None
    author_id = _author_id(message)
    if author_id == brand.user_id or not author_id.isdigit() or author_id == "0":
        return None
    return author_id


def _with_profile(message: M, author: Author) -> M:
    if isinstance(message, Mention):
        return message.model_copy(update={"author": author})
    return message.model_copy(update={"sender": DmSender.of(author)})
