"""X reads a message causes on real traffic: the airline dataset's posts replayed through the author
directory (`make bench-cost` prints it after its table).

The bench's scenarios each have one author, new or returning; what a brand pays for profiles depends on
how often its customers write again within the directory's `max_age`. This replays the 11,495 labelled
tweets of ../shared/datasets/airline/dev.csv (beside the repository) in the order they were posted, each
airline a brand and each minute of it one page of its mentions, through `carebird.ingest.profiles`
(`AuthorProfiles.fill`, the code the poll function runs) with an in-memory directory and a users reader
that counts what X would return. X bills each message read once (its post, 1.00 a message) and each user
a lookup returns: so X resources read per message = 1 + user reads / messages.
"""

from __future__ import annotations

import csv
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import groupby
from pathlib import Path

from carebird.brands import Brand
from carebird.ingest.model import Author, Mention
from carebird.ingest.profiles import AuthorProfiles

REPO = Path(__file__).resolve().parents[3]
DEFAULT_DATA = REPO.parent / "shared" / "datasets" / "airline" / "dev.csv"


@dataclass(frozen=True)
class AuthorReads:
    messages: int
    authors: int
    user_reads: int
    days: float
    author_days: int  # distinct (author, UTC day): what expanding authors in every read was billed

    @property
    def reads_per_message(self) -> float:
        return (self.messages + self.user_reads) / self.messages


class _Directory:
    """carebird.ingest.ports.AuthorDirectory in memory."""

    def __init__(self) -> None:
        self._read: dict[str, tuple[Author, datetime]] = {}

    def profiles(self, author_ids: Collection[str], read_since: datetime) -> dict[str, Author]:
        known = (self._read.get(i) for i in author_ids)
        return {k[0].id: k[0] for k in known if k is not None and k[1] >= read_since}

    def remember(self, authors: Sequence[Author], read_at: datetime) -> None:
        self._read.update((a.id, (a, read_at)) for a in authors)


class _CountingUsers:
    """carebird.ingest.ports.UsersReader: every id found, as X returns it, counted as one user read."""

    def __init__(self) -> None:
        self.returned = 0

    def users(self, brand: Brand, user_ids: Sequence[str]) -> list[Author]:
        self.returned += len(user_ids)
        return [Author(id=i, username=f"u{i}") for i in user_ids]


class _Clock:
    def __init__(self) -> None:
        self.at = datetime.fromtimestamp(0, UTC)

    def now(self) -> datetime:
        return self.at

    def sleep(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


def load(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def replay(rows: Sequence[dict[str, str]], max_age: timedelta) -> AuthorReads:
    """The user reads `AuthorProfiles` makes for these tweets, posted in order, a page per brand-minute."""
    author_ids: dict[str, str] = {}
    brands: dict[str, Brand] = {}
    mentions: list[tuple[datetime, str, Mention]] = []
    for row in rows:
        created = datetime.strptime(row["tweet_created"], "%Y-%m-%d %H:%M:%S %z")
        author = author_ids.setdefault(row["name"], str(1000 + len(author_ids)))
        airline = row["airline"]
        if airline not in brands:
            n = len(brands) + 1
            brands[airline] = Brand(handle=f"brand{n}", user_id=str(n), credentials_secret="unused")
        mentions.append(
            (
                created,
                airline,
                Mention(id=row["tweet_id"], author=Author(id=author), text=row["text"], created_at=created),
            )
        )
    mentions.sort(key=lambda m: (m[0], m[2].number))
    users, clock = _CountingUsers(), _Clock()
    profiles = AuthorProfiles(directory=_Directory(), users=users, clock=clock, max_age=max_age)

    def page(m: tuple[datetime, str, Mention]) -> tuple[datetime, str]:
        return m[0].replace(second=0), m[1]

    for (minute, airline), group in groupby(sorted(mentions, key=page), key=page):
        clock.at = minute + timedelta(minutes=1)  # read at the poll after the minute
        profiles.fill(brands[airline], [m for _, _, m in group])
    span = (mentions[-1][0] - mentions[0][0]).total_seconds() / 86400 if mentions else 0.0
    author_days = len({(m.author.id, m.created_at.astimezone(UTC).date()) for _, _, m in mentions})
    return AuthorReads(len(mentions), len(author_ids), users.returned, span, author_days)


def report(path: Path = DEFAULT_DATA, max_age_days: float = 7) -> str:
    if not path.is_file():
        return f"X reads on real traffic: skipped ({path} not found; it lives beside the repository)"
    found = replay(load(path), timedelta(days=max_age_days))
    share = found.user_reads / found.messages
    return (
        f"X reads on real traffic: the airline dataset's {found.messages:,} posts by {found.authors:,} "
        f"authors over {found.days:.1f} days, a page per airline and minute, through the author directory "
        f"(AUTHOR_PROFILE_MAX_AGE_DAYS={max_age_days:g}): {found.user_reads:,} user reads, "
        f"{share:.2f} a message; X resources read per message {found.reads_per_message:.2f} "
        f"(posts 1.00, authors {share:.2f}; expanding the authors in every read, as before the directory, "
        f"X bills each author once a UTC day: {found.author_days:,} user reads, "
        f"{1 + found.author_days / found.messages:.2f} a message)"
    )
