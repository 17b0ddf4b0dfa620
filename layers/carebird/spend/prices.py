"""X's pay-per-use prices: the one place they live.

X's pricing page, read 2026-12 (the same figures as ../shared/x-api/README.md). A read is billed per
resource returned (a post, a user, a DM event), not per request; reading the same resource again within
a UTC day is not billed again. Prices change with X's plans: update them here, with the date they were read.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

PRICES_READ_ON = "2026-12"


class XUse(StrEnum):
    """A billable thing carebird does on X."""

    POST_READ = "post_read"  # a post returned by a read (mentions, lookups, conversations)
    OWNED_READ = "owned_read"  # a post of the brand's own mentions timeline, when the brand owns the app
    USER_READ = "user_read"  # a user returned by a lookup
    DM_EVENT_READ = "dm_event_read"  # a DM event returned by a read
    POST = "post"  # a post created (a public reply, each part of a thread)
    POST_WITH_URL = "post_with_url"  # a post created that contains a URL
    DM_SENT = "dm_sent"  # a direct message sent
    INTERACTION = "interaction"  # a like or a follow


PRICE_USD: dict[XUse, Decimal] = {
    XUse.POST_READ: Decimal("0.005"),
    XUse.OWNED_READ: Decimal("0.001"),
    XUse.USER_READ: Decimal("0.010"),
    XUse.DM_EVENT_READ: Decimal("0.010"),
    XUse.POST: Decimal("0.015"),
    XUse.POST_WITH_URL: Decimal("0.200"),
    XUse.DM_SENT: Decimal("0.015"),
    XUse.INTERACTION: Decimal("0.015"),
}

READS = frozenset({XUse.POST_READ, XUse.OWNED_READ, XUse.USER_READ, XUse.DM_EVENT_READ})


def cost_usd(use: XUse, units: int = 1) -> Decimal:
    return PRICE_USD[use] * units
