"""The functions' settings, on one base: every field is read from the environment variable of the same
name in upper case, validated on first use (never at import), and a wrong environment fails with every
bad variable named.

`FunctionSettings` has what every function reads (the table); `XApiSettings` adds what the functions that
call X share (where X is, how long a call may take, how long credentials are kept); `SlaClockSettings`
the SLA clock scale of the functions that show or run SLA targets. Each function's settings class
composes these and adds its own fields; `load_settings` builds one and names what is wrong.

`EnvironmentSettings` reads the environment itself rather than through pydantic-settings: the functions'
settings are scalars named as their variables, and pydantic-settings' import (its sources for dotenv
files, secrets directories, cloud vaults and a CLI, with asyncio and argparse) was 20-25 ms of every
function's cold start (classify's import 305 -> 282 ms in make bench-coldstart's conditions).
"""

from __future__ import annotations

import os
from typing import Any, TypeVar

from pydantic import (
    AliasChoices,
    AliasPath,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)


class SettingsError(RuntimeError):
    """A function's environment is wrong; the message names each variable and what is wrong with it."""


def _variable_names(name: str, alias: str | AliasPath | AliasChoices | None) -> list[str]:
    """The variables a field reads: its validation alias's names if it has one, else its own name."""
    if isinstance(alias, str):
        return [alias]
    if isinstance(alias, AliasChoices):
        return [choice for choice in alias.choices if isinstance(choice, str)]
    return [name]


class EnvironmentSettings(BaseModel):
    """Settings whose fields come from the environment, each from the variable of its name in any case (or
    from the names its `validation_alias` lists, the first one set winning); keyword arguments win over
    the environment. Values are validated as pydantic validates strings (lax: "5" is 5, "true" is True)."""

    # Built on first validation: a function imports settings classes it may never load (the agent API
    # the follow-up's, for a resolved case's survey).
    model_config = ConfigDict(frozen=True, extra="ignore", validate_default=True, defer_build=True)

    @model_validator(mode="before")
    @classmethod
    def _from_environment(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        environment = {key.lower(): value for key, value in os.environ.items()}
        found: dict[str, str] = {}
        for name, field in cls.model_fields.items():
            for variable in _variable_names(name, field.validation_alias):
                if variable.lower() in environment:
                    found[variable] = environment[variable.lower()]
        return {**found, **data}


class FunctionSettings(EnvironmentSettings):
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


S = TypeVar("S", bound=EnvironmentSettings)


def problems(exc: ValidationError) -> str:
    """Each wrong variable, named as the environment spells it, with what is wrong with it."""
    return "; ".join(f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())


def load_settings(settings: type[S], what: str) -> S:
    """`settings` read from the environment; SettingsError("<what>: <problems>") when it is wrong."""
    try:
        return settings()
    except ValidationError as exc:
        raise SettingsError(f"{what}: {problems(exc)}") from None
