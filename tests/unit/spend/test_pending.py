"""Spend counted in memory for an invocation and written once per brand, day and kind at its end
(carebird.spend.pending), fed by the real meter hook on requests' responses."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal

import requests

from carebird.adapters.x.spend import SpendMeter
from carebird.brands import Brand
from carebird.spend.book import SpendBook, SpendCount
from carebird.spend.pending import PendingSpend
from carebird.spend.prices import XUse
from tests.support.spend_fakes import CountingSpendCounters
from tests.support.x_http import CannedX

TODAY = datetime(2026, 12, 6, 15, 0, tzinfo=UTC)
DAY = TODAY.date()
ACME = Brand(handle="acme", user_id="1000", credentials_secret="carebird/test/x/acme")
GLOBEX = Brand(handle="globex", user_id="2000", credentials_secret="carebird/test/x/globex")


def mentions_page(first: int, n: int) -> tuple[int, object, dict[str, str]]:
    return 200, {"data": [{"id": str(i)} for i in range(first, first + n)]}, {}


def session(meter: SpendMeter, brand: Brand, transport: CannedX) -> requests.Session:
    """A brand's X session as carebird.adapters.x.client builds it: the meter on its response hook."""
    s = requests.Session()
    s.mount("https://", transport)
    s.hooks["response"].append(meter.hook_for(brand, owned_app=False))
    return s


def test_n_exchanges_are_one_write_per_brand_day_and_kind_and_none_before_the_flush() -> None:
    counters = CountingSpendCounters()
    pending = PendingSpend(counters)
    meter = SpendMeter(SpendBook(pending), clock=lambda: TODAY)
    pages = [mentions_page(10 * i, 3) for i in range(20)]
    acme = session(meter, ACME, CannedX(*pages, then=(201, {"data": {"id": "9"}}, {})))
    globex = session(meter, GLOBEX, CannedX(then=(201, {"data": {"id": "8"}}, {})))
    for _ in range(20):  # 20 mentions pages of 3 posts each
        acme.get("https://api.x.com/2/users/1000/mentions")
    for i in range(5):  # 5 replies and 7 DMs
        acme.post("https://api.x.com/2/tweets", json={"text": f"@wanda sorry #{i}"})
    for _ in range(7):
        globex.post("https://api.x.com/2/dm_conversations/with/55/messages", json={"text": "hello"})

    assert counters.writes == []  # nothing written while the invocation runs
    flushed = pending.flush()

    assert flushed.written == 3 and flushed.failed == {}
    assert sorted(counters.writes) == [
        ("1000", DAY, "post"),
        ("1000", DAY, "post_read"),
        ("2000", DAY, "dm_sent"),
    ]
    assert counters.counters == {
        ("1000", DAY, "post_read"): (60, 300_000),
        ("1000", DAY, "post"): (5, 75_000),
        ("2000", DAY, "dm_sent"): (7, 105_000),
    }
    assert pending.flush().written == 0 and len(counters.writes) == 3  # a second flush has nothing to write


def test_a_failed_write_keeps_its_count_for_the_next_flush_and_the_others_are_written() -> None:
    counters = CountingSpendCounters()
    pending = PendingSpend(counters)
    pending.add("1000", [SpendCount(DAY, "post_read", 4, 20_000), SpendCount(DAY, "post", 1, 15_000)])
    counters.failing = 1

    first = pending.flush()

    assert first.written == 1 and list(first.failed) == [("1000", DAY, "post_read")]
    assert counters.counters == {("1000", DAY, "post"): (1, 15_000)}
    pending.add("1000", [SpendCount(DAY, "post_read", 2, 10_000)])  # the next invocation's reads
    assert pending.flush().written == 1
    assert counters.counters == {("1000", DAY, "post"): (1, 15_000), ("1000", DAY, "post_read"): (6, 30_000)}
    assert pending.pending == 0


def test_reads_count_what_is_not_written_yet_so_the_budget_sees_it() -> None:
    counters = CountingSpendCounters()
    book = SpendBook(PendingSpend(counters))
    counters.add("1000", [SpendCount(DAY, "post_with_url", 3, 600_000)])  # written by earlier invocations
    book.record("1000", DAY, {XUse.POST_WITH_URL: 1})  # this invocation's reply, not written yet
    assert book.budget("1000", DAY, Decimal("1.00")).spent_usd == Decimal("0.8")
    assert book.budget("1000", DAY, Decimal("1.00")).warning


def test_what_is_added_while_a_flush_writes_stays_pending() -> None:
    class AddsDuringWrite(CountingSpendCounters):
        """Another thread of the poll counts a page while the flush is writing."""

        def add(self, brand_id: str, counts: list[SpendCount]) -> None:
            super().add(brand_id, counts)
            if len(self.writes) == 1:
                thread = threading.Thread(
                    target=pending.add, args=("1000", [SpendCount(DAY, "post_read", 2, 10_000)])
                )
                thread.start()
                thread.join()

    counters = AddsDuringWrite()
    pending = PendingSpend(counters)
    pending.add("1000", [SpendCount(DAY, "post_read", 5, 25_000)])
    pending.flush()
    assert counters.counters == {("1000", DAY, "post_read"): (5, 25_000)}
    assert pending.read("1000", DAY, DAY) == [
        SpendCount(DAY, "post_read", 5, 25_000),
        SpendCount(DAY, "post_read", 2, 10_000),
    ]
    pending.flush()
    assert counters.counters == {("1000", DAY, "post_read"): (7, 35_000)}
    assert pending.pending == 0
