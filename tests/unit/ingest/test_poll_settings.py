"""The poll function's environment: validated on first use, errors that name the variable."""

from __future__ import annotations

import pytest

from carebird.ingest.settings import SettingsError, load_poll_settings

ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:carebird-triage"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TABLE_NAME", "TRIAGE_STATE_MACHINE_ARN", "X_API_BASE_URL", "POLL_BUDGET_SECONDS"):
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
    assert (tuning.cadence.min_interval_seconds, tuning.cadence.max_interval_seconds) == (15, 60)
    assert tuning.cadence.rate_limit_reserve == 20 and tuning.reach_limit == 800
