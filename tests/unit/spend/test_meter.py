"""The X spend meter: which billable things an exchange with X is, billed once per resource and UTC day,
and a brand's day of spend against its budget."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from carebird.outbound.text import has_link
from carebird.spend.book import SpendBook
from carebird.spend.meter import Exchange, ReadLedger, Use, uses
from carebird.spend.prices import PRICE_USD, XUse
from tests.support.spend_fakes import FakeSpendCounters

BRAND = "1001"


def _uses(method: str, path: str, body: object = None, sent: object = None, status: int = 200) -> list[Use]:
    exchange = Exchange(method, path, status, body, sent)
    return uses(exchange, brand_user_id=BRAND, owned_app=False, has_link=has_link)


def test_a_mentions_page_bills_each_post_returned_and_each_post_and_user_it_includes() -> None:
    body = {"data": [{"id": "1"}, {"id": "2"}], "includes": {"tweets": [{"id": "0"}], "users": [{"id": "9"}]}}
    posts, users = _uses("GET", f"/2/users/{BRAND}/mentions", body)
    assert posts.kind is XUse.POST_READ
    assert posts.ids == ("1", "2", "0")
    assert posts.units == 3
    # X bills per resource returned: an expanded author is a user read.
    assert (users.kind, users.ids, users.units) == (XUse.USER_READ, ("9",), 1)


def test_a_dm_events_page_bills_each_event_and_each_expanded_sender() -> None:
    body = {"data": [{"id": "5"}, {"id": "6"}], "includes": {"users": [{"id": "9"}, {"id": "8"}]}}
    events, users = _uses("GET", "/2/dm_events", body)
    assert (events.kind, events.ids) == (XUse.DM_EVENT_READ, ("5", "6"))
    assert (users.kind, users.ids) == (XUse.USER_READ, ("9", "8"))


def test_the_brands_own_mentions_are_owned_reads_only_when_the_brand_owns_the_app() -> None:
    body = {"data": [{"id": "1"}]}
    mentions = Exchange("GET", f"/2/users/{BRAND}/mentions", 200, body)
    owned = uses(mentions, brand_user_id=BRAND, owned_app=True, has_link=has_link)
    others = Exchange("GET", "/2/users/77/mentions", 200, body)
    other = uses(others, brand_user_id=BRAND, owned_app=True, has_link=has_link)
    assert [u.kind for u in owned] == [XUse.OWNED_READ]
    assert [u.kind for u in other] == [XUse.POST_READ]


@pytest.mark.parametrize(
    ("path", "body", "kind", "units"),
    [
        ("/2/tweets", {"data": [{"id": "1"}, {"id": "2"}]}, XUse.POST_READ, 2),
        ("/2/tweets/5", {"data": {"id": "5"}}, XUse.POST_READ, 1),
        ("/2/tweets/search/recent", {"data": [{"id": "5"}]}, XUse.POST_READ, 1),
        (f"/2/users/{BRAND}/tweets", {"data": [{"id": "5"}]}, XUse.POST_READ, 1),
        ("/2/dm_events", {"data": [{"id": "e1"}, {"id": "e2"}]}, XUse.DM_EVENT_READ, 2),
        ("/2/dm_conversations/with/42/dm_events", {"data": [{"id": "e1"}]}, XUse.DM_EVENT_READ, 1),
        ("/2/users/me", {"data": {"id": BRAND}}, XUse.USER_READ, 1),
        ("/2/users/by/username/alice", {"data": {"id": "42"}}, XUse.USER_READ, 1),
    ],
)
def test_reads_bill_per_resource_returned(path: str, body: object, kind: XUse, units: int) -> None:
    (use,) = _uses("GET", path, body)
    assert (use.kind, use.units) == (kind, units)


def test_an_empty_page_bills_nothing() -> None:
    assert _uses("GET", f"/2/users/{BRAND}/mentions", {"meta": {"result_count": 0}}) == []
    assert _uses("GET", "/2/dm_events", {"data": []}) == []


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Sorry about that, we are on it.", XUse.POST),
        ("Track it here: https://example.com/orders/1234", XUse.POST_WITH_URL),
        ("Track it at example.com/orders", XUse.POST_WITH_URL),  # X links a bare domain too
    ],
)
def test_a_post_costs_the_url_price_when_x_will_read_a_link_in_it(text: str, kind: XUse) -> None:
    assert [u.kind for u in _uses("POST", "/2/tweets", {"data": {"id": "9"}}, {"text": text}, 201)] == [kind]


def test_dms_likes_and_follows_bill_once_each() -> None:
    assert [u.kind for u in _uses("POST", "/2/dm_conversations/with/42/messages", {}, {}, 201)] == [
        XUse.DM_SENT
    ]
    assert [u.kind for u in _uses("POST", "/2/dm_conversations/abc-def/messages", {}, {}, 201)] == [
        XUse.DM_SENT
    ]
    assert [u.kind for u in _uses("POST", f"/2/users/{BRAND}/likes", {}, {}, 200)] == [XUse.INTERACTION]
    assert [u.kind for u in _uses("POST", f"/2/users/{BRAND}/following", {}, {}, 200)] == [XUse.INTERACTION]


@pytest.mark.parametrize("status", [400, 403, 429, 500, 503])
def test_a_failed_request_bills_nothing(status: int) -> None:
    assert _uses("POST", "/2/tweets", {"errors": []}, {"text": "hi"}, status) == []
    assert _uses("GET", f"/2/users/{BRAND}/mentions", {"data": [{"id": "1"}]}, status=status) == []


def test_calls_x_does_not_bill_and_bodies_that_are_not_json_bill_nothing() -> None:
    assert _uses("DELETE", "/2/tweets/9", {"data": {"deleted": True}}) == []
    assert _uses("GET", "/2/openapi.json", {"data": [{"id": "1"}]}) == []
    assert _uses("GET", f"/2/users/{BRAND}/mentions", "not json") == []
    assert _uses("GET", f"/2/users/{BRAND}/mentions", {"data": [{"no": "id"}, "x"]}) == []


def test_a_resource_read_twice_in_one_utc_day_is_billed_once_and_again_the_next_day() -> None:
    ledger = ReadLedger()
    day = date(2026, 12, 6)
    first = ledger.billable(day, [Use(XUse.POST_READ, ("1", "2"))])
    again = ledger.billable(day, [Use(XUse.POST_READ, ("2", "3")), Use(XUse.POST)])
    tomorrow = ledger.billable(date(2026, 12, 7), [Use(XUse.POST_READ, ("1",))])
    assert first == {XUse.POST_READ: 2}
    assert again == {XUse.POST_READ: 1, XUse.POST: 1}  # writes are billed every time
    assert tomorrow == {XUse.POST_READ: 1}


def test_a_full_ledger_forgets_the_oldest_which_can_only_over_count() -> None:
    ledger = ReadLedger(limit=2)
    day = date(2026, 12, 6)
    ledger.billable(day, [Use(XUse.POST_READ, ("1", "2", "3"))])
    assert ledger.billable(day, [Use(XUse.POST_READ, ("1", "3"))]) == {XUse.POST_READ: 1}


def test_the_book_keeps_units_and_dollars_per_kind_and_day() -> None:
    seen: list[tuple[XUse, int, Decimal]] = []
    book = SpendBook(FakeSpendCounters(), on_spend=lambda kind, n, usd: seen.append((kind, n, usd)))
    day = date(2026, 12, 6)
    spent = book.record("b", day, {XUse.POST_READ: 3, XUse.POST_WITH_URL: 1, XUse.POST: 0})
    book.record("b", day, {XUse.POST_READ: 1})
    book.record("other", day, {XUse.DM_SENT: 5})
    assert spent == Decimal("0.215")
    (today,) = book.days("b", day, day)
    assert today.units == {"post_read": 4, "post_with_url": 1}
    assert today.usd == {"post_read": Decimal("0.020"), "post_with_url": Decimal("0.200")}
    assert today.total_usd == Decimal("0.220")
    assert seen[0] == (XUse.POST_READ, 3, Decimal("0.015"))


def test_days_without_spend_are_listed_at_zero() -> None:
    book = SpendBook(FakeSpendCounters())
    book.record("b", date(2026, 12, 5), {XUse.POST: 2})
    days = book.days("b", date(2026, 12, 4), date(2026, 12, 6))
    assert [d.total_usd for d in days] == [Decimal(0), 2 * PRICE_USD[XUse.POST], Decimal(0)]


def test_a_budget_warns_at_80_percent_and_is_exhausted_at_100() -> None:
    book = SpendBook(FakeSpendCounters())
    day = date(2026, 12, 6)
    book.record("b", day, {XUse.POST_WITH_URL: 4})  # $0.80
    assert book.budget("b", day, Decimal("1.00")).warning
    assert not book.budget("b", day, Decimal("1.00")).exhausted
    assert book.budget("b", day, Decimal("0.80")).exhausted
    assert not book.budget("b", day, Decimal("1.01")).warning
    unlimited = book.budget("b", day, None)
    assert (unlimited.warning, unlimited.exhausted, unlimited.used) == (False, False, None)
    assert unlimited.spent_usd == Decimal("0.800")
