"""Brands are data: which X accounts this deployment serves, with what credentials and settings.

A deployment serves several brands. Each is one record in the table (see `carebird.storage`), added
with `carebird brand add`, and validated whenever it is loaded, so a hand-edited record that is wrong
fails with the name of the field rather than somewhere deep in a poll.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue, PrivateAttr, ValidationError, field_validator

from carebird.brands.settings import BrandSettings


class InvalidBrand(ValueError):
    """A brand record or CLI input that does not describe a usable brand; the message names the fields."""


class Brand(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    handle: str = Field(pattern=r"^[A-Za-z0-9_]{1,15}$", description="X username, without the @")
    user_id: str = Field(pattern=r"^[1-9][0-9]{0,19}$", description="X numeric user id of the brand account")
    credentials_secret: str = Field(
        min_length=1,
        description="Secrets Manager name or ARN of the brand's X credentials (JSON: consumer_key, "
        "consumer_secret, access_token, access_token_secret, bearer_token)",
    )
    poll_enabled: bool = True
    # As stored: a JSON object. The code reads it typed, through `config` (carebird.brands.settings).
    settings: dict[str, JsonValue] = Field(default_factory=dict)
    _config: BrandSettings = PrivateAttr()

    @field_validator("handle", mode="before")
    @classmethod
    def _strip_at(cls, value: Any) -> Any:
        return value.removeprefix("@") if isinstance(value, str) else value

    def model_post_init(self, context: Any) -> None:
        # Read once, when the brand is parsed; each reader then takes its typed section.
        self._config = BrandSettings.parse(self.settings, owner=f"brand {self.handle}")

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Brand:
        copy = super().model_copy(update=update, deep=deep)
        copy.model_post_init(None)  # new settings, new typed settings
        return copy

    @property
    def config(self) -> BrandSettings:
        """The brand's settings, typed: its desk (`triage`), `survey`, `models`, `poll_dms`, ..."""
        return self._config

    @property
    def id(self) -> str:
        """The brand's stable id: its X user id (a handle can be renamed, the id cannot)."""
        return self.user_id


def parse_brand(data: dict[str, Any], source: str) -> Brand:
    """Validate `data` as a Brand, or raise InvalidBrand naming `source` and every bad field."""
    try:
        return Brand.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(record)'}: {err['msg']}" for err in exc.errors()
        )
        raise InvalidBrand(f"{source}: {problems}") from None


@dataclass(frozen=True)
class BrandListing:
    """Every brand record: the valid ones, and the invalid ones as errors that say what to fix."""

    brands: list[Brand] = field(default_factory=list)
    invalid: list[InvalidBrand] = field(default_factory=list)
