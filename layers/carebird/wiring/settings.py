"""The functions' settings, on one base: every field is read from the environment variable of the same
name in upper case, validated on first use (never at import), and a wrong environment fails with every
bad variable named.

`FunctionSettings` has what every function reads (the table); `XApiSettings` adds what the functions that
call X share (where X is, how long a call may take, how long credentials are kept); `SlaClockSettings`
the SLA clock scale of the functions that show or run SLA targets. Each function's settings class
composes these and adds its own fields; `load_settings` builds one and names what is wrong.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(RuntimeError):
    """A function's environment is wrong; the message names each variable and what is wrong with it."""


class FunctionSettings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore", case_sensitive=False)

    table_name: str = Field(min_length=1)


class XApiSettings(FunctionSettings):
    x_api_base_url: str | None = None  # empty: X itself
    x_timeout_seconds: float = Field(default=10.0, gt=0)
    secret_max_age_seconds: int = Field(default=300, ge=0)

    @field_validator("x_api_base_url")
    @classmethod
    def _url_or_empty(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL, or empty for X itself")
        return value


class SlaClockSettings(FunctionSettings):
    # >1 compresses every SLA target (time-scaled tests and demos); 1 on a real deployment.
    sla_clock_scale: float = Field(default=1.0, gt=0)


S = TypeVar("S", bound=BaseSettings)


def problems(exc: ValidationError) -> str:
    """Each wrong variable, named as the environment spells it, with what is wrong with it."""
    return "; ".join(f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())


def load_settings(settings: type[S], what: str) -> S:
    """`settings` read from the environment; SettingsError("<what>: <problems>") when it is wrong."""
    try:
        return settings()
    except ValidationError as exc:
        raise SettingsError(f"{what}: {problems(exc)}") from None
