from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from carebird.brands.business_hours import BusinessHours
from carebird.brands.desk import DEFAULT_TRIAGE, TriageConfigError, load_triage_config

OFFICE = BusinessHours(
    timezone="Europe/Paris",
    hours={d: ("09:00", "17:00") for d in ("mon", "tue", "wed", "thu", "fri")},
    holidays=(date(2026, 12, 25),),
)


def paris(*args: int) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(*args, tzinfo=ZoneInfo("Europe/Paris"))


def test_always_open_is_wall_clock() -> None:
    start = datetime(2026, 11, 21, 23, 50, tzinfo=UTC)
    assert BusinessHours().add(start, timedelta(minutes=15)) == start + timedelta(minutes=15)


def test_friday_evening_deadline_moves_to_monday_morning() -> None:
    assert OFFICE.add(paris(2026, 11, 20, 16, 55), timedelta(minutes=15)) == paris(2026, 11, 23, 9, 10)


def test_outside_hours_the_clock_starts_at_opening() -> None:
    assert OFFICE.add(paris(2026, 11, 24, 7, 0), timedelta(hours=1)) == paris(2026, 11, 24, 10, 0)


def test_holidays_are_closed() -> None:
    assert OFFICE.add(paris(2026, 12, 24, 16, 30), timedelta(hours=1)) == paris(2026, 12, 28, 9, 30)


def test_open_time_between_counts_only_business_hours() -> None:
    assert OFFICE.open_time_between(paris(2026, 11, 20, 16, 0), paris(2026, 11, 23, 10, 0)) == timedelta(
        hours=2
    )
    assert OFFICE.is_open(paris(2026, 11, 23, 9, 0)) and not OFFICE.is_open(paris(2026, 11, 22, 12, 0))


@given(st.integers(min_value=0, max_value=60 * 24 * 30), st.integers(min_value=0, max_value=60 * 24 * 14))
def test_add_and_open_time_between_agree(offset_minutes: int, duration_minutes: int) -> None:
    start = paris(2026, 11, 2, 0, 0) + timedelta(minutes=offset_minutes)
    due = OFFICE.add(start, timedelta(minutes=duration_minutes))
    assert OFFICE.open_time_between(start, due) == timedelta(minutes=duration_minutes)


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ({"funday": ("09:00", "17:00")}, "unknown weekday"),
        ({"mon": ("17:00", "09:00")}, "must be before"),
        ({"mon": ("09:00", "25:00")}, "out of range"),
        ({}, "never be open"),
    ],
)
def test_bad_calendars_are_rejected_with_the_reason(hours: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        BusinessHours(hours=hours)


def test_bad_triage_config_names_the_field() -> None:
    broken = {**DEFAULT_TRIAGE, "skills": {"billing": {"queue": "nowhere"}}}
    with pytest.raises(TriageConfigError, match=r"skills\.billing\.queue: unknown queue 'nowhere'"):
        load_triage_config({"triage": broken})
    with pytest.raises(TriageConfigError, match=r"triage\.timezone|Extra inputs"):
        load_triage_config({"triage": {**DEFAULT_TRIAGE, "timezone": "x"}})
    with pytest.raises(TriageConfigError, match="no target for P1"):
        load_triage_config(
            {
                "triage": {
                    **DEFAULT_TRIAGE,
                    "sla": {k: v for k, v in DEFAULT_TRIAGE["sla"].items() if k != "P1"},
                }
            }
        )
