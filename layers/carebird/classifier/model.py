"""What the classifier reads (a mention, a brand's rules) and what it says (a Classification)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol

Sentiment = Literal["negative", "neutral", "positive"]
ANY_LANGUAGE = "*"


@dataclass(frozen=True)
class Engagement:
    retweets: int = 0
    quotes: int = 0
    likes: int = 0
    replies: int = 0

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> Engagement:
        """From X's public_metrics names (retweet_count, ...) or ours (retweets, ...); bad values count 0."""
        data = data or {}

        def count(*names: str) -> int:
            for name in names:
                value = data.get(name)
                if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
                    return int(value)
            return 0

        return cls(
            retweets=count("retweets", "retweet_count"),
            quotes=count("quotes", "quote_count"),
            likes=count("likes", "like_count"),
            replies=count("replies", "reply_count"),
        )


@dataclass(frozen=True)
class MentionFeatures:
    """One customer message as the classifier sees it."""

    text: str
    lang: str | None = None  # as X reports it ("en", "und", ...), None when unknown
    followers: int | None = 0  # None: X returned no profile (a suspended or deleted account): unknown
    verified: bool = False
    engagement: Engagement = field(default_factory=Engagement)
    is_dm: bool = False


@dataclass(frozen=True)
class BrandRules:
    """A brand's routing rules.

    `skills` maps a skill to its keywords or phrases per language; the language ANY_LANGUAGE ("*") applies
    to every message. `urgency_terms` add to the built-in urgency terms. `known_skills` are the skills the
    brand has queues for: a model or rule naming any other skill is reported as no skill (empty: every
    skill named in `skills` is known).
    """

    skills: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    urgency_terms: tuple[str, ...] = ()
    known_skills: frozenset[str] = frozenset()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BrandRules:
        """From JSON-like settings: {"skills": {skill: [kw, ...] | {lang: [kw, ...]}}, "urgency_terms": [...],
        "known_skills": [...]}. Raises ValueError naming the first malformed entry."""
        skills: dict[str, dict[str, tuple[str, ...]]] = {}
        for skill, spec in (data.get("skills") or {}).items():
            if isinstance(spec, Mapping):
                skills[str(skill)] = {
                    str(lang): _terms(kws, f"skills.{skill}.{lang}") for lang, kws in spec.items()
                }
            else:
                skills[str(skill)] = {ANY_LANGUAGE: _terms(spec, f"skills.{skill}")}
        return cls(
            skills=skills,
            urgency_terms=_terms(data.get("urgency_terms") or [], "urgency_terms"),
            known_skills=frozenset(_terms(data.get("known_skills") or [], "known_skills")),
        )

    def is_known(self, skill: str) -> bool:
        """Whether the brand routes this skill; True for any skill when the rules name none."""
        known = self.known_skills or self.skills.keys()
        return not known or skill in known


def _terms(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ValueError(f"{where}: expected a list of strings")
    if not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{where}: every entry must be a non-empty string")
    return tuple(v.strip() for v in value)


@dataclass(frozen=True)
class Signal:
    """One decision and how sure it is (0..1). `value` is a label, a bool, or None (nothing found)."""

    value: Any
    confidence: float


@dataclass(frozen=True)
class Priority:
    """P1 (most urgent) .. P4, the 0..100 score it came from, and why."""

    level: str
    score: float
    reasons: tuple[str, ...]

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


@dataclass(frozen=True)
class Classification:
    sentiment: Signal  # "negative" | "neutral" | "positive"
    skill: Signal  # a skill name, or None
    language: Signal  # an ISO 639-1 code, or None when unknown
    urgency: Signal  # bool: urgent
    needs_response: Signal  # bool
    spam: Signal  # bool
    bot: Signal  # bool
    priority: Priority
    reasons: tuple[str, ...]
    # bool: asks to continue by DM ("follow me so I can DM you"): the agent can follow, then DM
    wants_dm: Signal = field(default_factory=lambda: Signal(False, 0.5))
    # bool: the urgency counted in the priority (lift and P2 floor): urgent, and not praise, a thank-you
    # without a question or a content message. Stored so that re-scoring the priority later (more
    # engagement, a restore) keeps the classifier's judgement (carebird.classifier.priority).
    time_critical: Signal = field(default_factory=lambda: Signal(False, 0.5))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: each signal as {"label"|"value": ..., "confidence": ...}, as triage reads them."""
        out: dict[str, Any] = {}
        for name in ("sentiment", "skill", "language"):
            signal: Signal = getattr(self, name)
            out[name] = {"label": signal.value, "confidence": round(signal.confidence, 4)}
        for name in ("urgency", "needs_response", "spam", "bot", "wants_dm", "time_critical"):
            signal = getattr(self, name)
            out[name] = {"value": signal.value, "confidence": round(signal.confidence, 4)}
        out["priority"] = {**asdict(self.priority), "reasons": list(self.priority.reasons)}
        out["priority"]["score"] = round(self.priority.score, 1)
        out["reasons"] = list(self.reasons)
        return out


class MentionClassifier(Protocol):
    def classify(self, mention: MentionFeatures, rules: BrandRules | None) -> Classification: ...
