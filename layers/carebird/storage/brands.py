"""The brand registry in the table: put, get, find by handle, list (see `carebird.storage` for keys)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from pynamodb.attributes import BooleanAttribute, MapAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import AttributeDeserializationError, DoesNotExist

from carebird.brands import Brand, BrandListing, InvalidBrand, parse_brand
from carebird.storage.table import Gsi1, TableItem, bind, whole_raw

BRANDS_INDEX_PK = "BRANDS"


def brand_pk(brand_id: str) -> str:
    return f"BRAND#{brand_id}"


class BrandItem(TableItem):
    # Everything but the keys is nullable here: the Brand model is the one that says what is required,
    # and its errors name the field.
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_gsi1 = Gsi1()
    handle = UnicodeAttribute(null=True)
    user_id = UnicodeAttribute(null=True)
    credentials_secret = UnicodeAttribute(null=True)
    poll_enabled = BooleanAttribute(null=True)
    settings = MapAttribute(null=True)  # type: ignore[var-annotated]
    updated_at = UTCDateTimeAttribute(null=True)


def plain(value: Any) -> Any:
    """PynamoDB's raw map values as plain Python data."""
    if isinstance(value, MapAttribute):
        return {k: plain(v) for k, v in value.as_dict().items()}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


class DynamoBrandRepository:
    def __init__(self, table_name: str, *, host: str | None = None, region: str | None = None) -> None:
        self._item = bind(BrandItem, table_name, host=host, region=region)

    def put_brand(self, brand: Brand) -> None:
        """Create the brand, or replace its record (same X user id) with this one."""
        self._item(
            brand_pk(brand.id),
            "BRAND",
            gsi1pk=BRANDS_INDEX_PK,
            gsi1sk=brand.handle.lower(),
            handle=brand.handle,
            user_id=brand.user_id,
            credentials_secret=brand.credentials_secret,
            poll_enabled=brand.poll_enabled,
            settings=dict(brand.settings),
            updated_at=datetime.now(UTC),
        ).save()

    def get_brand(self, brand_id: str) -> Brand | None:
        try:
            item = self._item.get(brand_pk(brand_id), "BRAND", consistent_read=True)
        except DoesNotExist:
            return None
        except AttributeDeserializationError as exc:
            raise InvalidBrand(f"brand record {brand_pk(brand_id)}: {exc}") from None
        return _to_brand(item)

    def find_brand(self, handle: str) -> Brand | None:
        """The brand with this handle (case-insensitive, with or without @)."""
        key = handle.removeprefix("@").lower()
        listing = self._listing(
            self._item.query(BRANDS_INDEX_PK, self._item.gsi1sk == key, index_name="gsi1")
        )
        if listing.invalid:
            raise listing.invalid[0]
        return listing.brands[0] if listing.brands else None

    def list_brands(self) -> BrandListing:
        return self._listing(self._item.query(BRANDS_INDEX_PK, index_name="gsi1"))

    def _listing(self, results: Iterator[BrandItem]) -> BrandListing:
        """The brands the index query found, read whole; a record that does not load is reported, and
        the others still load."""
        listing = BrandListing()
        for raw in whole_raw(self._item, results):
            try:
                item = self._item.from_raw_data(raw)
            except AttributeDeserializationError as exc:
                listing.invalid.append(
                    InvalidBrand(f"a brand record has an attribute of the wrong type: {exc}")
                )
                continue
            try:
                listing.brands.append(_to_brand(item))
            except InvalidBrand as exc:
                listing.invalid.append(exc)
        return listing


def _to_brand(item: BrandItem) -> Brand:
    fields = {
        "handle": item.handle,
        "user_id": item.user_id,
        "credentials_secret": item.credentials_secret,
        "poll_enabled": item.poll_enabled,
        "settings": plain(item.settings) if item.settings is not None else None,
    }
    # A missing attribute should read "Field required", not "not a valid string".
    data = {k: v for k, v in fields.items() if v is not None}
    return parse_brand(data, f"brand record {item.pk}")
