"""The poll function's environment: validated on first use, errors that name the variable."""

from __future__ import annotations

from datetime import datetime

import pytest

from carebird.ingest.poll import PollSummary
from carebird.wiring.poll import PollRuntime
from carebird.wiring.poll_settings import PollSettings, SettingsError, load_poll_settings
from tests.support.ingest_fakes import FakeClock

ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:carebird-triage"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "TABLE_NAME",
        "TRIAGE_STATE_MACHINE_ARN",
        "X_API_BASE_URL",
        "POLL_BUDGET_SECONDS",
        "MIN_POLL_INTERVAL_SECONDS",
        "GAP_RETRY_SECONDS",
        "AUTHOR_PROFILE_MAX_AGE_DAYS",
    ):
        monkeypatch.delenv(name, raising=False)


def test_missing_variables_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SettingsError) as raised:
        load_poll_settings()
    assert "TABLE_NAME: Field required" in str(raised.value)
    assert "TRIAGE_STATE_MACHINE_ARN: Field required" in str(raised.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("POLL_BUDGET_SECONDS", "fifty"),
        ("POLL_BUDGET_SECONDS", "0"),
        ("X_API_BASE_URL", "api.x.com"),
        ("TRIAGE_STATE_MACHINE_ARN", "carebird-triage"),
        ("MIN_POLL_INTERVAL_SECONDS", "-1"),
        ("AUTHOR_PROFILE_MAX_AGE_DAYS", "-1"),
        ("AUTHOR_PROFILE_MAX_AGE_DAYS", "a week"),
        ("AUTHOR_PROFILE_MAX_AGE_DAYS", "400"),
    ],
)
def test_a_bad_value_is_reported_against_its_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv("TABLE_NAME", "carebird-table")
    monkeypatch.setenv("TRIAGE_STATE_MACHINE_ARN", ARN)
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=f"^poll function configuration: {name}: "):
        load_poll_settings()


def test_defaults_and_an_empty_base_url_meaning_x_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABLE_NAME", "carebird-table")
    monkeypatch.setenv("TRIAGE_STATE_MACHINE_ARN", ARN)
    monkeypatch.setenv("X_API_BASE_URL", "")
    monkeypatch.setenv("POLL_BUDGET_SECONDS", "50")

    settings = load_poll_settings()

    assert settings.x_api_base_url is None
    tuning = settings.tuning()
    assert (tuning.cadence.min_interval_seconds, tuning.cadence.max_interval_seconds) == (10, 60)
    assert tuning.cadence.rate_limit_reserve == 20 and tuning.reach_limit == 800
    assert tuning.write_concurrency == 8 and settings.poll_dms is True
    assert tuning.gap_retry_seconds == 300 and tuning.handover_seconds == 120
    # An open gap's back-off doubles up to an hour; 20 tries escalate it; 10 windows a run, per brand.
    gaps = (tuning.gap_retry_max_seconds, tuning.gap_max_attempts, tuning.gap_windows_per_run)
    assert gaps == (3600, 20, 10)
    assert settings.author_profile_max_age_days == 7  # a returning author's profile is read once a week


def test_a_time_scaled_cadence_retries_gaps_as_much_faster_unless_told(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TABLE_NAME", "carebird-table")
    monkeypatch.setenv("TRIAGE_STATE_MACHINE_ARN", ARN)
    monkeypatch.setenv("MIN_POLL_INTERVAL_SECONDS", "0.3")
    assert load_poll_settings().tuning().gap_retry_seconds == pytest.approx(9.0)
    assert load_poll_settings().tuning().gap_retry_max_seconds == pytest.approx(108.0)
    monkeypatch.setenv("GAP_RETRY_SECONDS", "42")
    assert load_poll_settings().tuning().gap_retry_seconds == 42
    monkeypatch.setenv("GAP_RETRY_MAX_SECONDS", "600")
    assert load_poll_settings().tuning().gap_retry_max_seconds == 600


class RecordingPoller:
    def __init__(self) -> None:
        self.clock = FakeClock()
        self.calls: list[tuple[datetime, datetime | None, datetime | None]] = []

    def run(
        self,
        invocation_id: str,
        deadline: datetime,
        hard_deadline: datetime | None = None,
        lease_until: datetime | None = None,
    ) -> PollSummary:
        self.calls.append((deadline, hard_deadline, lease_until))
        return PollSummary()


@pytest.mark.parametrize(
    ("remaining", "budget", "expected"),
    [
        (60.0, 50.0, (50.0, 50.0, 62.0)),  # the usual 60 s function: 10 s kept to finish and flush
        (60.0, 20.0, (20.0, 50.0, 62.0)),
        (4.0, 50.0, (3.0, 3.0, 6.0)),  # a short timeout keeps a quarter, and still polls
    ],
)
def test_the_runtime_derives_deadlines_and_the_lease_from_the_lambdas_time(
    remaining: float, budget: float, expected: tuple[float, float, float]
) -> None:
    settings = PollSettings(table_name="t", triage_state_machine_arn=ARN, poll_budget_seconds=budget)
    poller = RecordingPoller()
    PollRuntime(settings, poller).run("inv", remaining)  # type: ignore[arg-type]

    ((deadline, hard, lease),) = poller.calls
    now = poller.clock.now()
    assert hard is not None and lease is not None
    # The lease ends when the Lambda must be dead (plus clock skew): a killed run blocks the next briefly.
    assert tuple((t - now).total_seconds() for t in (deadline, hard, lease)) == expected
