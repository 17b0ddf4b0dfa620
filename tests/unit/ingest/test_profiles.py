"""Authors' profiles for a feed's pages: read from X once per author and max age, not once a UTC day."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pytest

from carebird.brands import Brand
from carebird.ingest.model import (
    Author,
    DirectMessage,
    DmQuery,
    DmSender,
    Mention,
    MentionsQuery,
    Page,
    ReferencedPost,
)
from carebird.ingest.ports import SpendBudgets
from carebird.ingest.profiles import USERS_PER_LOOKUP, AuthorProfiles, ProfiledReader
from carebird.ports.x import TransientXError
from carebird.spend.book import Budget, SpendBook
from carebird.spend.prices import XUse
from tests.support.ingest_fakes import T0, FakeAuthorDirectory, FakeClock, brand
from tests.support.spend_fakes import FakeSpendCounters

ACME = brand()
MAX_AGE = timedelta(days=7)


@dataclass
class FakeUsers:
    """carebird.ingest.ports.UsersReader: X's users by id; each lookup recorded."""

    known: dict[str, Author] = field(default_factory=dict)
    lookups: list[list[str]] = field(default_factory=list)
    fail: Exception | None = None

    def users(self, brand: Brand, user_ids: Sequence[str]) -> list[Author]:
        assert len(user_ids) <= USERS_PER_LOOKUP
        self.lookups.append(list(user_ids))
        if self.fail is not None:
            raise self.fail
        return [self.known[i] for i in user_ids if i in self.known]


@dataclass
class OnePage:
    """A feed reader answering the page it is given, as the X adapters do without expansions."""

    messages: list[Mention] | list[DirectMessage]

    def read(self, brand: Brand, query: object) -> Page:  # type: ignore[type-arg]
        return Page(messages=list(self.messages), next_token="next", rate=None, reads=len(self.messages))


def profile(author_id: str, followers: int = 40) -> Author:
    return Author(
        id=author_id, username=f"user{author_id}", name=f"User {author_id}", followers_count=followers
    )


def mention(post_id: int, author_id: str, **kwargs: object) -> Mention:
    return Mention(id=str(post_id), author=Author(id=author_id), text="@acme help", created_at=T0, **kwargs)  # type: ignore[arg-type]


class Desk:
    def __init__(self, *x_users: Author, budgets: SpendBudgets | None = None) -> None:
        self.clock = FakeClock()
        self.directory = FakeAuthorDirectory()
        self.x = FakeUsers({a.id: a for a in x_users})
        self.profiles = AuthorProfiles(self.directory, self.x, self.clock, MAX_AGE, budgets)

    def read(self, *messages: Mention, brand: Brand = ACME) -> list[Mention]:
        page = ProfiledReader(OnePage(list(messages)), self.profiles).read(brand, MentionsQuery())
        assert (page.next_token, page.reads) == ("next", len(messages))  # the page is otherwise as read
        return page.messages


def test_unknown_authors_are_read_from_x_in_one_lookup_and_a_returning_one_is_not_read_again() -> None:
    desk = Desk(profile("55", 321), profile("56"))
    first = desk.read(mention(3, "55"), mention(2, "56"), mention(1, "55"))
    assert desk.x.lookups == [["55", "56"]]  # each author once, however many of the page they wrote
    assert [m.author for m in first] == [profile("55", 321), profile("56"), profile("55", 321)]

    desk.clock.advance(timedelta(days=6).total_seconds())  # a later UTC day: X would bill them again
    again = desk.read(mention(5, "55"), mention(4, "57"))
    assert desk.x.lookups == [["55", "56"], ["57"]]
    assert again[0].author == profile("55", 321)
    assert again[1].author == Author(id="57")  # X returned no such user (suspended): the id alone, as read


def test_a_profile_older_than_the_max_age_is_read_again_and_replaced() -> None:
    desk = Desk(profile("55", 321))
    desk.read(mention(1, "55"))
    desk.clock.advance((MAX_AGE + timedelta(seconds=1)).total_seconds())
    desk.x.known["55"] = profile("55", 999)
    (later,) = desk.read(mention(2, "55"))
    assert desk.x.lookups == [["55"], ["55"]]
    assert later.author.followers_count == 999
    assert desk.directory.stored["55"] == (profile("55", 999), desk.clock.now())


def test_messages_nobody_triages_and_profiles_already_read_cost_no_lookup() -> None:
    desk = Desk(profile("55"))
    own = mention(4, ACME.user_id)
    retweet = mention(3, "55", referenced=(ReferencedPost(type="retweeted", id="1"),))
    unreadable = mention(2, "0", unreadable="KeyError: 'created_at'")
    expanded = Mention(id="1", author=profile("58"), text="hi", created_at=T0)
    read = desk.read(own, retweet, unreadable, expanded)
    assert desk.x.lookups == []
    assert read[0].author == Author(id=ACME.user_id, username=ACME.handle)  # the brand is known
    assert read[1:] == [retweet, unreadable, expanded]


def test_more_unknown_authors_than_one_lookup_takes_are_read_in_lookups_of_a_hundred() -> None:
    authors = [profile(str(100 + i)) for i in range(USERS_PER_LOOKUP + 30)]
    desk = Desk(*authors)
    read = desk.read(*(mention(1000 + i, a.id) for i, a in enumerate(authors)))
    assert [len(ids) for ids in desk.x.lookups] == [USERS_PER_LOOKUP, 30]
    assert [m.author for m in read] == authors


def test_a_failed_lookup_fails_the_page_and_remembers_nothing() -> None:
    desk = Desk(profile("55"))
    desk.x.fail = TransientXError("X server error: 503")
    with pytest.raises(TransientXError):
        desk.read(mention(1, "55"))
    assert desk.directory.stored == {}


def test_an_unreachable_directory_costs_lookups_never_a_profile() -> None:
    desk = Desk(profile("55"))
    desk.read(mention(1, "55"))
    desk.directory.fail = True
    (again,) = desk.read(mention(2, "55"))
    assert desk.x.lookups == [["55"], ["55"]]
    assert again.author == profile("55")


def test_a_dm_sender_gets_the_profile_in_the_shape_triage_reads() -> None:
    desk = Desk(profile("55", 321))
    dm = DirectMessage(id="9", text="my bag?", created_at=T0, sender=DmSender(id="55"))
    own = DirectMessage(id="8", text="Checking now", created_at=T0, sender=DmSender(id=ACME.user_id))
    page = ProfiledReader(OnePage([dm, own]), desk.profiles).read(ACME, DmQuery())
    assert page.messages[0].sender == DmSender(
        id="55", username="user55", name="User 55", followers_count=321
    )
    assert page.messages[1].sender == DmSender(id=ACME.user_id, username=ACME.handle)
    assert desk.x.lookups == [["55"]]


CAPPED = ACME.model_copy(update={"settings": {"x_daily_budget_usd": 1}})


class UnreadableSpend:
    def budget(self, brand_id: str, day: date, limit_usd: Decimal | None) -> Budget:
        raise ConnectionError("DynamoDB unavailable")


def test_past_the_brands_x_budget_new_authors_are_not_read_and_their_messages_go_on() -> None:
    book = SpendBook(FakeSpendCounters())
    desk = Desk(profile("55"), profile("56"), profile("57"), budgets=book)
    desk.read(mention(1, "55"), brand=CAPPED)  # nothing spent yet: read
    book.record(CAPPED.id, T0.date(), {XUse.POST_WITH_URL: 5})  # $1.00: the day's budget is spent
    spent = desk.read(mention(3, "56"), mention(2, "55"), brand=CAPPED)
    assert desk.x.lookups == [["55"]]  # 56 is not looked up
    assert [m.author for m in spent] == [Author(id="56"), profile("55")]  # the directory still fills 55
    assert desk.read(mention(4, "57")) == [mention(4, "57").model_copy(update={"author": profile("57")})]
    assert desk.x.lookups == [["55"], ["57"]]  # a brand without a budget: read whatever is spent

    desk.clock.advance(timedelta(days=1).total_seconds())  # a new UTC day: nothing spent yet
    (later,) = desk.read(mention(5, "56"), brand=CAPPED)
    assert desk.x.lookups[-1] == ["56"] and later.author == profile("56")


def test_a_spend_that_cannot_be_read_holds_no_profile_back() -> None:
    desk = Desk(profile("55"), budgets=UnreadableSpend())
    (read,) = desk.read(mention(1, "55"), brand=CAPPED)
    assert read.author == profile("55")
