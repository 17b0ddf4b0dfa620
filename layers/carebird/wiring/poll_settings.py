"""The poll function's configuration: environment variables, typed and validated on first use."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field

from carebird.ingest.cadence import Cadence
from carebird.ingest.poll import PollTuning
from carebird.wiring.settings import SettingsError as SettingsError  # what a wrong environment raises
from carebird.wiring.settings import XApiSettings, load_settings


class PollSettings(XApiSettings):
    """Every field is read from the environment variable of the same name in upper case."""

    triage_state_machine_arn: str = Field(pattern=r"^arn:aws[a-z-]*:states:[^:]*:[0-9]*:stateMachine:.+$")
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
    # The longest back-off between a gap's windows; default 12 retries' worth (an hour, as deployed).
    gap_retry_max_seconds: float | None = Field(default=None, ge=0)
    gap_max_attempts: int = Field(default=20, ge=1)  # escalates an open gap; its tries go on
    gap_windows_per_run: int = Field(default=10, ge=1)
    poll_dms: bool = True  # false for an X app without DM access: only mentions are read
    write_concurrency: int = Field(default=8, ge=1, le=32)
    # How old a stored author profile may be and still rank a message (carebird.ingest.profiles); older,
    # or unknown, the author is read from X again (a user read, $0.010). 0: every author is read afresh.
    author_profile_max_age_days: float = Field(default=7.0, ge=0, le=365)

    def tuning(self) -> PollTuning:
        gap_retry = self.gap_retry_seconds
        if gap_retry is None:
            gap_retry = 30 * self.min_poll_interval_seconds
        return PollTuning(
            cadence=Cadence(
                min_interval_seconds=self.min_poll_interval_seconds,
                max_interval_seconds=max(self.max_poll_interval_seconds, self.min_poll_interval_seconds),
                rate_limit_reserve=self.rate_limit_reserve,
            ),
            initial_lookback_seconds=self.initial_lookback_seconds,
            repeat_window_seconds=self.repeat_window_seconds,
            reach_limit=self.x_mentions_reach,
            gap_retry_seconds=gap_retry,
            gap_retry_max_seconds=(
                self.gap_retry_max_seconds if self.gap_retry_max_seconds is not None else 12 * gap_retry
            ),
            gap_max_attempts=self.gap_max_attempts,
            gap_windows_per_run=self.gap_windows_per_run,
            write_concurrency=self.write_concurrency,
            # The schedule's period (which the max interval is, by default), and as long again for a
            # start that waits for the run before it.
            handover_seconds=2 * max(self.max_poll_interval_seconds, self.min_poll_interval_seconds),
        )


def load_poll_settings() -> PollSettings:
    return load_settings(PollSettings, "poll function configuration")


@lru_cache(maxsize=1)
def poll_settings() -> PollSettings:
    """Validated once per container, on the first invocation."""
    return load_poll_settings()
