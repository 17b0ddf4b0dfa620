"""What a reply will cost to send, from X's prices (`carebird.spend.prices`, the one place they live)."""

from __future__ import annotations

from decimal import Decimal

from carebird.spend.prices import PRICE_USD, XUse

POST_USD = PRICE_USD[XUse.POST]
POST_WITH_URL_USD = PRICE_USD[XUse.POST_WITH_URL]
DM_USD = PRICE_USD[XUse.DM_SENT]


def post_cost(contains_link: bool) -> Decimal:
    return POST_WITH_URL_USD if contains_link else POST_USD


def reply_cost(channel: str, parts_with_links: list[bool]) -> Decimal:
    """What sending these parts costs: one post per part (public), or one message (dm)."""
    if channel == "dm":
        return DM_USD if parts_with_links else Decimal(0)
    return sum((post_cost(link) for link in parts_with_links), Decimal(0))


def link_cost_ratio() -> int:
    return round(POST_WITH_URL_USD / POST_USD)
