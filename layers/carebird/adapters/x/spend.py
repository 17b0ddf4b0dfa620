"""The X spend meter on tweepy: a requests response hook on each brand's X session that reads every
exchange as X bills it (`carebird.spend.meter`) and adds it to the brand's day (`carebird.spend.book`).

Metering never breaks a call to X: a hook that cannot read an answer or record it logs a warning and lets
the answer through.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from aws_lambda_powertools import Logger

from carebird.brands import Brand
from carebird.outbound.text import has_link
from carebird.spend.book import SpendBook
from carebird.spend.meter import Exchange, ReadLedger, uses

logger = Logger(child=True)
ResponseHook = Callable[..., None]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SpendMeter:
    def __init__(self, book: SpendBook, *, clock: Callable[[], datetime] = _utc_now) -> None:
        self._book = book
        self._clock = clock
        self._ledger = ReadLedger()

    def hook_for(self, brand: Brand, *, owned_app: bool) -> ResponseHook:
        """The response hook for `brand`'s session; `owned_app`: the brand account owns the X app."""

        def hook(response: requests.Response, *args: Any, **kwargs: Any) -> None:
            try:
                found = uses(
                    exchange_of(response),
                    brand_user_id=brand.user_id,
                    owned_app=owned_app,
                    has_link=has_link,
                )
                if not found:
                    return
                day = self._clock().astimezone(UTC).date()
                units = self._ledger.billable(day, found)
                if units:
                    self._book.record(brand.id, day, units)
            except Exception:  # metering must never fail the call it meters
                logger.warning("X spend not recorded", exc_info=True, extra={"brand_id": brand.id})

        return hook


def exchange_of(response: requests.Response) -> Exchange:
    request = response.request
    path = urlsplit(request.url or "").path
    start = path.find("/2/")  # an X_API_BASE_URL may put a prefix before X's own path
    return Exchange(
        method=str(request.method or "GET"),
        path=path[start:] if start >= 0 else path,
        status=response.status_code,
        body=_json(response.content),
        sent=_json(request.body),
    )


def _json(raw: Any) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, TypeError):
        return None
