"""The poll function's configuration: environment variables, typed and validated on first use."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from carebird.ingest.cadence import Cadence
from carebird.ingest.poll import PollTuning


class SettingsError(RuntimeError):
    """The function's environment is wrong; the message names each variable and what is wrong with it."""


class PollSettings(BaseSettings):
    """Every field is read from the environment variable of the same name in upper case."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", case_sensitive=False)

    table_name: str = Field(min_length=1)
    triage_state_machine_arn: str = Field(pattern=r"^arn:aws[a-z-]*:states:[^:]*:[0-9]*:stateMachine:.+$")
    x_api_base_url: str | None = None  # empty: X itself
    powertools_service_name: str = "poll"
    powertools_metrics_namespace: str = "carebird"

    poll_budget_seconds: float = Field(default=50.0, gt=0, le=840)
    # Low values are safe against X (pacing keeps the reserve); they exist for time-scaled local runs.
    min_poll_interval_seconds: float = Field(default=10.0, gt=0)
    max_poll_interval_seconds: float = Field(default=60.0, gt=0)
    rate_limit_reserve: int = Field(default=20, ge=0)
    initial_lookback_seconds: float = Field(default=3600.0, ge=0)
    repeat_window_seconds: float = Field(default=86400.0, ge=0)
    x_mentions_reach: int = Field(default=800, ge=100)
    # Default: 30 busy intervals (300 s), so that a time-scaled cadence retries gaps as much faster.
    gap_retry_seconds: float | None = Field(default=None, ge=0)
    gap_max_attempts: int = Field(default=20, ge=1)
    x_timeout_seconds: float = Field(default=10.0, gt=0)
    poll_dms: bool = True  # false for an X app without DM access: only mentions are read
    write_concurrency: int = Field(default=8, ge=1, le=32)
    secret_max_age_seconds: int = Field(default=300, ge=0)

    @field_validator("x_api_base_url")
    @classmethod
    def _url_or_empty(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL, or empty for X itself")
        return value

    def tuning(self) -> PollTuning:
        return PollTuning(
            cadence=Cadence(
                min_interval_seconds=self.min_poll_interval_seconds,
                max_interval_seconds=max(self.max_poll_interval_seconds, self.min_poll_interval_seconds),
                rate_limit_reserve=self.rate_limit_reserve,
            ),
            initial_lookback_seconds=self.initial_lookback_seconds,
            repeat_window_seconds=self.repeat_window_seconds,
            reach_limit=self.x_mentions_reach,
            gap_retry_seconds=(
                self.gap_retry_seconds
                if self.gap_retry_seconds is not None
                else 30 * self.min_poll_interval_seconds
            ),
            gap_max_attempts=self.gap_max_attempts,
            write_concurrency=self.write_concurrency,
            # The schedule's period (which the max interval is, by default), and as long again for a
            # start that waits for the run before it.
            handover_seconds=2 * max(self.max_poll_interval_seconds, self.min_poll_interval_seconds),
        )


def load_poll_settings() -> PollSettings:
    try:
        return PollSettings()  # type: ignore[call-arg]  # required fields come from the environment
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']).upper()}: {err['msg']}" for err in exc.errors()
        )
        raise SettingsError(f"poll function configuration: {problems}") from None


@lru_cache(maxsize=1)
def poll_settings() -> PollSettings:
    """Validated once per container, on the first invocation."""
    return load_poll_settings()
