"""The X spend counters' contract, on the unit tests' fake, moto and DynamoDB Local: adds accumulate per
brand, day and kind, and a read returns only the brand's days asked for (not its report counters)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from carebird.reports.tallies import Tally
from carebird.spend.book import SpendBook, SpendCount, SpendCounters
from carebird.spend.prices import XUse
from carebird.storage.counters import DynamoReportCounters, DynamoSpendCounters
from tests.integration.storage.conftest import FAKE_AND_ENGINES, fake_or_adapter
from tests.support.spend_fakes import FakeSpendCounters

D1, D2, D3 = date(2026, 12, 5), date(2026, 12, 6), date(2026, 12, 7)


@pytest.fixture(params=FAKE_AND_ENGINES)
def counters(request: pytest.FixtureRequest, aws_env: None) -> Iterator[SpendCounters]:
    with fake_or_adapter(request, FakeSpendCounters, DynamoSpendCounters) as store:
        yield store


def test_adds_accumulate_per_brand_day_and_kind(counters: SpendCounters) -> None:
    counters.add("b", [SpendCount(D2, "post_read", 3, 15_000), SpendCount(D2, "post", 1, 15_000)])
    counters.add("b", [SpendCount(D2, "post_read", 2, 10_000)])
    counters.add("b", [SpendCount(D1, "post_read", 1, 5_000), SpendCount(D3, "dm_sent", 1, 15_000)])
    counters.add("other", [SpendCount(D2, "post_read", 9, 45_000)])
    got = sorted(counters.read("b", D2, D2), key=lambda c: c.kind)
    assert got == [SpendCount(D2, "post", 1, 15_000), SpendCount(D2, "post_read", 5, 25_000)]
    assert sorted(c.day for c in counters.read("b", D1, D3)) == [D1, D2, D2, D3]
    assert counters.read("nobody", D1, D3) == []


def test_the_book_on_the_store_sums_a_day(counters: SpendCounters) -> None:
    book = SpendBook(counters)
    book.record("b", D2, {XUse.POST_READ: 2, XUse.POST_WITH_URL: 1})
    book.record("b", D2, {XUse.OWNED_READ: 3})
    (day,) = book.days("b", D2, D2)
    assert str(day.total_usd) == "0.213"
    assert day.units == {"post_read": 2, "post_with_url": 1, "owned_read": 3}


def test_spend_and_the_reports_counters_share_a_partition_without_mixing(aws_env: None) -> None:
    from tests.integration.storage.conftest import open_engine

    class Request:  # open_engine only asks for DynamoDB Local by name; moto needs nothing
        def getfixturevalue(self, name: str) -> object:
            raise AssertionError(name)

    with open_engine("moto", Request()) as engine:  # type: ignore[arg-type]
        spend = DynamoSpendCounters(engine.table_name)
        reports = DynamoReportCounters(engine.table_name)
        spend.add("b", [SpendCount(D2, "post", 1, 15_000)])
        reports.add("b", [Tally("volume", D2, "billing", "09")])
        assert [c.kind for c in spend.read("b", D1, D3)] == ["post"]
        assert [t.metric for t in reports.read("b", "volume", D1, D3)[0]] == ["volume"]
        # The X spend report reads the same counters through the reports' reader.
        (tally,) = reports.read("b", "x_spend", D1, D3)[0]
        assert (tally.day, tally.key, tally.count, tally.total) == (D2, "post", 1, 15_000)
