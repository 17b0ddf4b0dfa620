"""A brand's triage configuration: skills, queues, business hours, SLA targets. Data, not code.

Stored in the brand record under settings["triage"] (`carebird brand add --setting triage=@file.json`),
validated on load with errors that name the field. A brand without one gets DEFAULT_TRIAGE, which
routes by the built-in keyword skills into four queues that are open around the clock.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from carebird.brands.business_hours import BusinessHours

PRIORITIES = ("P1", "P2", "P3", "P4")


class TriageConfigError(ValueError):
    pass


class SkillRule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    queue: str
    keywords: tuple[str, ...] = ()  # words or phrases, any language; matched case-insensitively


class QueueConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    languages: tuple[str, ...] = ()  # empty: any language
    business_hours: BusinessHours = Field(default_factory=BusinessHours)


class SlaTarget(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    first_response_minutes: float = Field(gt=0)
    next_response_minutes: float | None = Field(default=None, gt=0)
    resolution_minutes: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> SlaTarget:
        # The resolution clock is watched once the first-response watch ends: it may not come due first.
        if self.resolution_minutes is not None and self.resolution_minutes < self.first_response_minutes:
            raise ValueError("resolution_minutes: must not be shorter than first_response_minutes")
        return self

    @property
    def first_response(self) -> timedelta:
        return timedelta(minutes=self.first_response_minutes)


class EscalationStep(BaseModel):
    """What a breach does to a case: the n-th breach of a case takes the n-th step (the last one repeats)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    queue: str = "escalations"
    raise_priority: int = Field(default=1, ge=0, le=3)  # levels up, never above P1


class TriageConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    skills: dict[str, SkillRule]
    queues: dict[str, QueueConfig]
    fallback_queue: str = "general"  # a known skill whose queue cannot take the case (language)
    triage_queue: str = "triage"  # low confidence or unknown skill: a person sorts it
    needs_human_queue: str = "needs-human"  # the workflow could not classify: never lost
    min_confidence: float = Field(default=0.5, ge=0, le=1)
    urgency_terms: tuple[str, ...] = ()
    sla: dict[str, SlaTarget]
    # Thanks and praise go to this low-priority lane (a queue; added to `queues` if absent), where an
    # agent likes, thanks or resolves them in batches.
    acknowledge_queue: str = "acknowledge"
    # Opt in to closing thanks and praise without a person instead: the README says what it costs in
    # complaints closed unseen (measured by `make bench-triage-quality`).
    close_no_action: bool = False
    # The assignee and supervisors are told when this share of a target (first response, next response,
    # resolution) has passed.
    at_risk_fraction: float = Field(default=0.8, gt=0, lt=1)
    escalation_ladder: tuple[EscalationStep, ...] = (EscalationStep(),)

    @model_validator(mode="before")
    @classmethod
    def _acknowledge_lane(cls, data: Any) -> Any:
        """The acknowledge lane always exists: a brand's config that names no such queue gets one."""
        if isinstance(data, dict) and isinstance(data.get("queues"), dict):
            lane = data.get("acknowledge_queue", "acknowledge")
            if isinstance(lane, str) and lane not in data["queues"]:
                data = {**data, "queues": {**data["queues"], lane: {}}}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> TriageConfig:
        for name, rule in self.skills.items():
            if rule.queue not in self.queues:
                raise ValueError(f"skills.{name}.queue: unknown queue {rule.queue!r}")
        for field in ("fallback_queue", "triage_queue", "needs_human_queue"):
            if getattr(self, field) not in self.queues:
                raise ValueError(f"{field}: unknown queue {getattr(self, field)!r}")
        if not self.escalation_ladder:
            raise ValueError("escalation_ladder: needs at least one step")
        for index, step in enumerate(self.escalation_ladder):
            if step.queue not in self.queues:
                raise ValueError(f"escalation_ladder.{index}.queue: unknown queue {step.queue!r}")
        missing = [p for p in PRIORITIES if p not in self.sla]
        if missing:
            raise ValueError(f"sla: no target for {', '.join(missing)}")
        return self

    def keyword_rules(self) -> dict[str, tuple[str, ...]]:
        return {skill: rule.keywords for skill, rule in self.skills.items() if rule.keywords}

    def classifier_rules(self) -> dict[str, Any]:
        """What the classifier reads of the desk, as JSON: each skill with keywords and its keywords, as
        [skill, keywords] pairs in the desk's order (a keyword tie goes to the skill listed first, and a
        list keeps its order through a JSON encoder that sorts keys), the extra urgency terms, and the
        skills it has queues for (carebird.triage.classify reads it back as the classifier's rules)."""
        return {
            "skills": [[skill, list(rule.keywords)] for skill, rule in self.skills.items() if rule.keywords],
            "urgency_terms": list(self.urgency_terms),
            "known_skills": list(self.skills),
        }


_ALWAYS_OPEN: dict[str, Any] = {}

DEFAULT_TRIAGE: dict[str, Any] = {
    "skills": {
        "billing": {
            "queue": "billing",
            "keywords": [
                "refund",
                "charged",
                "charge",
                "invoice",
                "payment",
                "bill",
                "money back",
                "fee",
                "reembolso",
            ],
        },
        "bookings": {
            "queue": "bookings",
            "keywords": [
                "booking",
                "reservation",
                "cancelled",
                "canceled",
                "delayed",
                "rebook",
                "ticket",
                "seat",
            ],
        },
        "technical": {
            "queue": "technical",
            "keywords": [
                "app",
                "website",
                "login",
                "log in",
                "password",
                "error",
                "crash",
                "bug",
                "locked out",
            ],
        },
        "general": {"queue": "general", "keywords": []},
    },
    "queues": {
        "billing": _ALWAYS_OPEN,
        "bookings": _ALWAYS_OPEN,
        "technical": _ALWAYS_OPEN,
        "general": _ALWAYS_OPEN,
        "triage": _ALWAYS_OPEN,
        "needs-human": _ALWAYS_OPEN,
        "escalations": _ALWAYS_OPEN,
    },
    "sla": {
        "P1": {"first_response_minutes": 15, "next_response_minutes": 30, "resolution_minutes": 240},
        "P2": {"first_response_minutes": 60, "next_response_minutes": 120, "resolution_minutes": 480},
        "P3": {"first_response_minutes": 240, "next_response_minutes": 480, "resolution_minutes": 1440},
        "P4": {"first_response_minutes": 1440, "next_response_minutes": 1440, "resolution_minutes": 4320},
    },
}


def load_triage_config(settings: dict[str, Any] | None) -> TriageConfig:
    raw = (settings or {}).get("triage") or DEFAULT_TRIAGE
    try:
        return TriageConfig.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"triage.{'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in exc.errors()
        )
        raise TriageConfigError(problems) from None
