"""A brand's settings, typed: one model over the JSON object stored in the brand record's `settings`.

The record keeps its format (a JSON object, `carebird brand add --setting key=value`); this model reads
it once, when the Brand is parsed, into the sections the code uses:

    triage                 the desk: skills, queues, business hours, SLA targets (carebird.brands.desk)
    survey                 the satisfaction survey (carebird.brands.survey)
    models                 the brand's trained classifier models: paths or s3:// URIs
    repeat_window_seconds  how long a customer's repeated post counts as a repeat (ingestion)
    poll_dms               false for an X app without DM access: only mentions are read
    x_daily_budget_usd     the most the brand means to spend on X in a UTC day (none: no limit, still
                           counted); past 80% an alarm, past 100% non-urgent reads slow down
    x_app_owned_by_brand   true when the brand account owns the X developer app: its mentions are then
                           billed as owned reads ($0.001, not $0.005)

Each section is validated on its own, and a bad one fails where it is used, with the field named
(`triage.sla.P1: ...`, `survey.delay_minutes: ...`, `models: ...`): a broken survey setting must not stop
triage, and a broken desk must still let a message reach people (the workflow's needs-human step falls
back to the default desk). `problems` lists every bad section at once, for the operator's tools. Other
keys stay in the record for features that read them later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import JsonValue, ValidationError

from carebird.brands.desk import TriageConfig, TriageConfigError, load_triage_config
from carebird.brands.survey import InvalidSurveySettings, SurveySettings


class InvalidBrandSetting(ValueError):
    """A brand setting outside the triage and survey sections that cannot be used; the message names it."""


@dataclass(frozen=True, eq=False)
class _Failed:
    """A section that did not validate: raised, as a new exception, each time the section is read."""

    error: type[ValueError]
    message: str

    def raise_(self) -> Any:
        raise self.error(self.message)


@dataclass(frozen=True, eq=False)
class BrandSettings:
    raw: Mapping[str, JsonValue]
    _triage: TriageConfig | _Failed
    _survey: SurveySettings | _Failed
    _models: tuple[str, ...] | _Failed
    repeat_window_seconds: float | None  # None: ingestion's default (a bad value is listed in problems)
    poll_dms: bool
    x_daily_budget_usd: Decimal | None = None  # None: no limit (a bad value is listed in problems)
    x_app_owned_by_brand: bool = False
    _other_problems: tuple[str, ...] = ()

    @classmethod
    def parse(cls, raw: Mapping[str, JsonValue], owner: str = "brand") -> BrandSettings:
        """Read every section of `raw`; `owner` ("brand @Acme") prefixes the messages that name no section."""
        window, window_problem = _repeat_window(raw.get("repeat_window_seconds"))
        poll_dms = raw.get("poll_dms")
        budget, budget_problem = _budget(raw.get("x_daily_budget_usd"))
        owned = raw.get("x_app_owned_by_brand", False)
        other = [p for p in (window_problem, budget_problem) if p]
        if poll_dms is not None and not isinstance(poll_dms, bool):
            other.append(f"poll_dms: must be true or false, not {poll_dms!r}")
        if not isinstance(owned, bool):
            other.append(f"x_app_owned_by_brand: must be true or false, not {owned!r}")
        return cls(
            raw=raw,
            _triage=_section(lambda: load_triage_config(dict(raw)), TriageConfigError),
            _survey=_section(lambda: _survey(raw), InvalidSurveySettings),
            _models=_section(lambda: _models(raw.get("models"), owner), InvalidBrandSetting),
            repeat_window_seconds=window,
            poll_dms=poll_dms
            is not False,  # as ingestion always read it: only an explicit false turns DMs off
            x_daily_budget_usd=budget,
            x_app_owned_by_brand=owned is True,
            _other_problems=tuple(other),
        )

    @property
    def triage(self) -> TriageConfig:
        """The brand's desk (DEFAULT_TRIAGE when it sets none); TriageConfigError if it is invalid."""
        return self._triage.raise_() if isinstance(self._triage, _Failed) else self._triage

    @property
    def survey(self) -> SurveySettings:
        """InvalidSurveySettings if settings["survey"] is invalid."""
        return self._survey.raise_() if isinstance(self._survey, _Failed) else self._survey

    @property
    def models(self) -> tuple[str, ...]:
        """The brand's trained models (empty: the built-in classifier); InvalidBrandSetting if malformed."""
        return self._models.raise_() if isinstance(self._models, _Failed) else self._models

    def classifier_input(self) -> dict[str, Any]:
        """Everything the Classify step reads of the brand, as JSON: the desk's rules for the classifier
        (TriageConfig.classifier_rules) and the trained models. The poll function hands it to each triage
        execution with the message, so that the Classify function need not read the brand (nor load the
        DynamoDB code to do so). Raises as `triage` and `models` do, naming the setting."""
        return {**self.triage.classifier_rules(), "models": list(self.models)}

    @property
    def problems(self) -> list[str]:
        """Every invalid setting, each message naming its field; empty when all are usable."""
        failed = [s.message for s in (self._triage, self._survey, self._models) if isinstance(s, _Failed)]
        return failed + list(self._other_problems)

    def __eq__(self, other: object) -> bool:
        # Everything here is derived from the stored settings: equal settings, equal models.
        return isinstance(other, BrandSettings) and dict(self.raw) == dict(other.raw)

    __hash__ = None  # type: ignore[assignment]


def brand_settings(settings: BrandSettings | Mapping[str, JsonValue] | None) -> BrandSettings:
    """The typed settings, from a Brand's (`brand.config`) or from a stored settings object."""
    if isinstance(settings, BrandSettings):
        return settings
    return BrandSettings.parse(settings or {})


def _section(read: Any, error: type[ValueError]) -> Any:
    try:
        return read()
    except error as exc:
        return _Failed(error, str(exc))


def _survey(raw: Mapping[str, JsonValue]) -> SurveySettings:
    try:
        return SurveySettings.model_validate(raw.get("survey") or {})
    except ValidationError as exc:
        problems = "; ".join(f"survey.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise InvalidSurveySettings(problems) from None


def _models(value: JsonValue, owner: str) -> tuple[str, ...]:
    sources = value or []
    if isinstance(sources, str):
        sources = [sources]
    if not isinstance(sources, list) or not all(isinstance(s, str) and s for s in sources):
        raise InvalidBrandSetting(f"{owner}: setting 'models' must be a list of paths or s3:// URIs")
    return tuple(str(source) for source in sources)


def _repeat_window(value: JsonValue) -> tuple[float | None, str | None]:
    if value is None:
        return None, None
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value), None
    return None, f"repeat_window_seconds: must be a number of seconds, 0 or more, not {value!r}"


def _budget(value: JsonValue) -> tuple[Decimal | None, str | None]:
    if value is None:
        return None, None
    problem = f"x_daily_budget_usd: must be a number of dollars above 0, not {value!r}"
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None, problem
    try:
        budget = Decimal(str(value))
    except InvalidOperation:
        return None, problem
    if not budget.is_finite() or budget <= 0:
        return None, problem
    return budget, None
