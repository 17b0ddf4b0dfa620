"""What X bills the brand for what carebird sends: the one place these prices live.

X's pay-per-use pricing page, read 2026-12 (the same figures as ../shared/x-api/README.md): creating a
post costs $0.015, a post that contains a URL $0.200 (about 13 times as much), a direct message $0.015.
Prices change with X's plans: update them here, with the date they were read.
"""

from __future__ import annotations

from decimal import Decimal

PRICES_READ_ON = "2026-12"
POST_USD = Decimal("0.015")
POST_WITH_URL_USD = Decimal("0.200")
DM_USD = Decimal("0.015")


def post_cost(contains_link: bool) -> Decimal:
    return POST_WITH_URL_USD if contains_link else POST_USD


def reply_cost(channel: str, parts_with_links: list[bool]) -> Decimal:
    """What sending these parts costs: one post per part (public), or one message (dm)."""
    if channel == "dm":
        return DM_USD if parts_with_links else Decimal(0)
    return sum((post_cost(link) for link in parts_with_links), Decimal(0))


def link_cost_ratio() -> int:
    return round(POST_WITH_URL_USD / POST_USD)
