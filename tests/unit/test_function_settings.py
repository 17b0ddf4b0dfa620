"""The functions' settings read the environment as pydantic-settings did: a field from the variable of its
name in any case, or from its alias's names in order; keyword arguments over the environment; every wrong
variable named."""

from __future__ import annotations

import pytest
from pydantic import AliasChoices, Field

from carebird.wiring.settings import EnvironmentSettings, FunctionSettings, SettingsError, load_settings


class Example(FunctionSettings):
    retries: int = Field(default=3, ge=1)
    enabled: bool = False
    region: str = Field(default="", validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"))


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TABLE_NAME", "RETRIES", "ENABLED", "AWS_REGION", "AWS_DEFAULT_REGION", "table_name"):
        monkeypatch.delenv(name, raising=False)


def test_fields_come_from_their_variables_in_any_case_as_typed_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("table_name", "carebird-table")
    monkeypatch.setenv("RETRIES", "5")
    monkeypatch.setenv("ENABLED", "true")
    settings = load_settings(Example, "example")
    assert (settings.table_name, settings.retries, settings.enabled) == ("carebird-table", 5, True)


def test_an_alias_reads_the_first_of_its_variables_that_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABLE_NAME", "t")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    assert load_settings(Example, "example").region == "us-east-1"
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    assert load_settings(Example, "example").region == "eu-central-1"


def test_keyword_arguments_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABLE_NAME", "from-env")
    monkeypatch.setenv("RETRIES", "7")
    settings = Example(table_name="given")
    assert (settings.table_name, settings.retries) == ("given", 7)


def test_every_wrong_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETRIES", "0")
    with pytest.raises(SettingsError) as raised:
        load_settings(Example, "example environment")
    message = str(raised.value)
    assert message.startswith("example environment: ")
    assert "TABLE_NAME: Field required" in message
    assert "RETRIES: Input should be greater than or equal to 1" in message


def test_unrelated_variables_are_ignored_and_settings_are_frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABLE_NAME", "t")
    settings = load_settings(Example, "example")
    with pytest.raises(ValueError, match="frozen"):
        settings.retries = 9  # type: ignore[misc]
    assert isinstance(settings, EnvironmentSettings)
