"""The X spend meter on the real tweepy clients, against the X API emulator over HTTP: what the product
does on X is added to the brand's day as X bills it (tests/unit/spend checks the arithmetic)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from carebird.adapters.x.client import BrandClients, XCredentials
from carebird.adapters.x.publisher import TweepyPublisher
from carebird.adapters.x.spend import SpendMeter
from carebird.brands import Brand
from carebird.outbound.errors import ReplyNotAllowed
from carebird.spend.book import SpendBook, SpendDay
from carebird_ops.xemu.client import EmulatorClient
from carebird_ops.xemu.server import EmulatorHandle, start
from tests.support.spend_fakes import FakeSpendCounters

HANDLE = "AcmeHelp"
TODAY = datetime(2026, 12, 6, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorHandle]:
    with start() as handle:
        yield handle


class Desk:
    def __init__(self, emulator: EmulatorHandle, *, owned: bool = False) -> None:
        emulator.state.reset()
        self.emu: EmulatorClient = emulator.client()
        user = self.emu.create_user(HANDLE)
        self.alice = self.emu.create_user("alice")
        self.brand = Brand(
            handle=HANDLE,
            user_id=user["id"],
            credentials_secret=f"carebird/test/x/{HANDLE}",
            settings={"x_app_owned_by_brand": owned},
        )
        creds = XCredentials.model_validate(self.emu.credentials(HANDLE))
        self.book = SpendBook(FakeSpendCounters())
        self.meter = SpendMeter(self.book, clock=lambda: TODAY)
        self.clients = BrandClients(lambda _: creds, emulator.url, timeout_seconds=5, meter=self.meter)
        self.publisher = TweepyPublisher(lambda _: creds, emulator.url, timeout_seconds=5, meter=self.meter)

    def today(self) -> SpendDay:
        return self.book.days(self.brand.id, TODAY.date(), TODAY.date())[0]

    def read_mentions(self, *, expand_authors: bool = False) -> None:
        """As the poller reads them: without expanding the authors (carebird.ingest.profiles)."""
        client = self.clients.client(self.brand.credentials_secret, self.brand)
        expansions = ["author_id"] if expand_authors else None
        client.get_users_mentions(self.brand.user_id, expansions=expansions, user_auth=True)


def test_reading_mentions_twice_in_a_day_bills_each_post_once(emulator: EmulatorHandle) -> None:
    desk = Desk(emulator)
    desk.emu.post("alice", f"@{HANDLE} my parcel is late")
    desk.emu.post("alice", f"@{HANDLE} still nothing")
    desk.read_mentions()
    desk.read_mentions()
    desk.emu.post("alice", f"@{HANDLE} hello?")
    desk.read_mentions()
    assert desk.today().units == {"post_read": 3}
    assert desk.today().total_usd == Decimal("0.015")


def test_an_expanded_author_is_billed_as_a_user_read_once_a_day(emulator: EmulatorHandle) -> None:
    desk = Desk(emulator)
    desk.emu.post("alice", f"@{HANDLE} my parcel is late")
    desk.emu.post("bob", f"@{HANDLE} mine too")
    desk.read_mentions(expand_authors=True)
    desk.emu.post("alice", f"@{HANDLE} hello?")
    desk.read_mentions(expand_authors=True)
    assert desk.today().units == {"post_read": 3, "user_read": 2}
    assert desk.today().total_usd == Decimal("0.035")


def test_a_brand_that_owns_the_app_pays_owned_reads_for_its_mentions(emulator: EmulatorHandle) -> None:
    desk = Desk(emulator, owned=True)
    desk.emu.post("alice", f"@{HANDLE} my parcel is late")
    desk.read_mentions()
    assert desk.today().units == {"owned_read": 1}
    assert desk.today().total_usd == Decimal("0.001")


def test_replies_dms_likes_and_follows_are_billed_as_x_bills_them(emulator: EmulatorHandle) -> None:
    desk = Desk(emulator)
    mention = desk.emu.post("alice", f"@{HANDLE} where is order 1234?")
    desk.emu.follow("alice", HANDLE)  # alice follows the brand: it may DM her
    desk.publisher.post_reply(desk.brand, mention["id"], "@alice Sorry! We are checking it now.")
    desk.publisher.post_reply(desk.brand, mention["id"], "@alice Track it here: https://example.com/o/1234")
    desk.publisher.send_dm(desk.brand, desk.alice["id"], "Could you send us the order's email address?")
    desk.publisher.like(desk.brand, mention["id"])
    desk.publisher.follow(desk.brand, desk.alice["id"])
    assert desk.today().units == {"post": 1, "post_with_url": 1, "dm_sent": 1, "interaction": 2}
    assert desk.today().total_usd == Decimal("0.015") + Decimal("0.200") + Decimal("0.015") + Decimal("0.030")


def test_a_refused_reply_bills_nothing(emulator: EmulatorHandle) -> None:
    desk = Desk(emulator)
    stranger = desk.emu.post("alice", "a post that does not mention the brand")
    with pytest.raises(ReplyNotAllowed):  # X refuses replies to posts that did not mention the brand
        desk.publisher.post_reply(desk.brand, stranger["id"], "Hello!")
    assert desk.today().units == {}


def test_a_meter_that_cannot_record_never_fails_the_call(emulator: EmulatorHandle) -> None:
    class Broken(FakeSpendCounters):
        def add(self, *args: object, **kwargs: object) -> None:
            raise RuntimeError("table unavailable")

    desk = Desk(emulator)
    broken = Broken()
    desk.publisher = TweepyPublisher(
        lambda _: XCredentials.model_validate(desk.emu.credentials(HANDLE)),
        emulator.url,
        timeout_seconds=5,
        meter=SpendMeter(SpendBook(broken), clock=lambda: TODAY),
    )
    mention = desk.emu.post("alice", f"@{HANDLE} hi")
    assert desk.publisher.post_reply(desk.brand, mention["id"], "@alice Hello!")
    assert len(desk.emu.posts(author=HANDLE)) == 1
