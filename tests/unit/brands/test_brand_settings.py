"""A brand's settings are one typed model, read when the brand is parsed; the stored JSON does not change."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from carebird.brands import Brand, parse_brand
from carebird.brands.desk import DEFAULT_TRIAGE, TriageConfigError
from carebird.brands.settings import BrandSettings, InvalidBrandSetting, brand_settings
from carebird.brands.survey import InvalidSurveySettings
from carebird_ops.cli import build_parser, main

# The CLI loads Powertools, whose Tracer opens the X-Ray SDK's UDP socket (no traffic) when it is first built:
# built here, at collection, before the unit tests' socket guard is on.
build_parser()

DESK = {
    **DEFAULT_TRIAGE,
    "sla": {**DEFAULT_TRIAGE["sla"], "P1": {"first_response_minutes": 5}},
}


def brand(settings: dict[str, Any]) -> Brand:
    return parse_brand(
        {"handle": "@AcmeHelp", "user_id": "1000", "credentials_secret": "s", "settings": settings}, "test"
    )


def test_every_section_is_read_typed_from_the_stored_json() -> None:
    settings = {
        "triage": DESK,
        "survey": {"delay_minutes": 5, "low_score": 1},
        "models": "s3://models/acme/skill.model",
        "repeat_window_seconds": 600,
        "poll_dms": False,
        "tone": "friendly",  # not read by any feature yet: kept as stored
    }
    b = brand(settings)
    assert b.config.triage.sla["P1"].first_response_minutes == 5
    assert (b.config.survey.delay_minutes, b.config.survey.low_score) == (5, 1)
    assert b.config.models == ("s3://models/acme/skill.model",)
    assert (b.config.repeat_window_seconds, b.config.poll_dms) == (600.0, False)
    assert b.config.problems == []
    assert b.settings == settings and b.model_dump()["settings"] == settings  # stored format unchanged


def test_a_brand_without_settings_gets_the_defaults() -> None:
    config = brand({}).config
    assert set(config.triage.queues) >= {"billing", "triage", "needs-human", "acknowledge"}
    assert config.survey.enabled and config.survey.delay_minutes == 60
    assert config.models == ()
    assert (config.repeat_window_seconds, config.poll_dms) == (None, True)


def test_each_bad_section_fails_where_it_is_read_naming_its_field_and_spares_the_others() -> None:
    b = brand(
        {
            "triage": {"skills": 1},
            "survey": {"delay_minutes": -5},
            "models": 42,
            "repeat_window_seconds": -1,
            "poll_dms": "no",
        }
    )
    with pytest.raises(TriageConfigError, match=r"triage\.skills"):
        _ = b.config.triage
    with pytest.raises(InvalidSurveySettings, match=r"survey\.delay_minutes"):
        _ = b.config.survey
    with pytest.raises(InvalidBrandSetting, match=r"brand AcmeHelp: setting 'models'"):
        _ = b.config.models
    # As ingestion always read them: a bad window means the default, only an explicit false stops DMs.
    assert (b.config.repeat_window_seconds, b.config.poll_dms) == (None, True)
    problems = b.config.problems
    assert len(problems) == 5
    for field in ("triage.skills", "survey.delay_minutes", "'models'", "repeat_window_seconds", "poll_dms"):
        assert any(field in p for p in problems), field
    # A section that failed fails again, each time with a fresh error (no traceback piling up).
    with pytest.raises(TriageConfigError) as first:
        _ = b.config.triage
    with pytest.raises(TriageConfigError) as second:
        _ = b.config.triage
    assert first.value is not second.value


def test_the_settings_are_read_once_and_follow_a_copy_with_new_settings() -> None:
    b = brand({"poll_dms": False})
    assert b.config is b.config
    copied = b.model_copy(update={"settings": {"models": ["a.model"]}})
    assert copied.config.models == ("a.model",) and copied.config.poll_dms is True
    assert b.config.poll_dms is False
    assert copied == brand({"models": ["a.model"]}) and copied != b


def test_readers_take_the_brands_typed_settings_or_a_stored_object() -> None:
    b = brand({"survey": {"enabled": False}})
    assert brand_settings(b.config) is b.config
    assert brand_settings({"survey": {"enabled": False}}) == b.config
    assert brand_settings(None) == BrandSettings.parse({})
    assert brand_settings(None).survey.enabled


def test_carebird_brand_add_refuses_bad_settings_naming_each_field(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CAREBIRD_LOCAL_DIR", str(tmp_path / "no-stack"))
    code = main(
        ["brand", "add", "--table", "t", "--handle", "acme", "--user-id", "1000", "--secret", "s",
         "--setting", 'survey={"delay_minutes": -5}', "--setting", "models=42"]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1  # before the table is touched: there is none here
    assert "survey.delay_minutes" in err and "setting 'models'" in err


@pytest.mark.parametrize(
    ("value", "expected"), [(None, None), (5, Decimal(5)), (2.5, Decimal("2.5")), ("0.75", Decimal("0.75"))]
)
def test_the_daily_x_budget_is_dollars_or_no_limit(value: Any, expected: Decimal | None) -> None:
    settings = {} if value is None else {"x_daily_budget_usd": value}
    assert brand(settings).config.x_daily_budget_usd == expected
    assert brand(settings).config.problems == []


@pytest.mark.parametrize("value", [0, -1, "-0.5", "lots", True, [5], "NaN", "Infinity"])
def test_a_budget_of_zero_negative_or_not_a_number_is_a_problem_naming_the_field(value: Any) -> None:
    config = brand({"x_daily_budget_usd": value}).config
    assert config.x_daily_budget_usd is None  # not enforced: the spend is still counted
    assert [p.split(":")[0] for p in config.problems] == ["x_daily_budget_usd"]


def test_carebird_brand_add_refuses_a_zero_budget_naming_the_field(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CAREBIRD_LOCAL_DIR", str(tmp_path / "no-stack"))
    code = main(
        ["brand", "add", "--table", "t", "--handle", "acme", "--user-id", "1000", "--secret", "s",
         "--setting", "x_daily_budget_usd=0"]
    )  # fmt: skip
    assert code == 1
    assert "x_daily_budget_usd: must be a number of dollars above 0" in capsys.readouterr().err


def test_owned_reads_are_off_unless_the_brand_says_it_owns_the_app() -> None:
    assert brand({}).config.x_app_owned_by_brand is False
    assert brand({"x_app_owned_by_brand": True}).config.x_app_owned_by_brand is True
    assert brand({"x_app_owned_by_brand": "yes"}).config.problems == [
        "x_app_owned_by_brand: must be true or false, not 'yes'"
    ]
