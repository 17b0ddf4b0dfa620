"""The Classify step: the classifier's view of one customer message, with the brand's rules and models.

The brand's triage config supplies the keyword rules and the skills it has queues for; its
`models` setting (local paths, or s3:// URIs on AWS) names trained models made by `carebird train`.
A brand whose rules are malformed raises, which the workflow catches into the needs-human queue.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from carebird.brands import Brand
from carebird.brands.desk import TriageConfig
from carebird.classifier import BrandRules, Engagement, MentionClassifier, MentionFeatures
from carebird.triage.execution import BrandNotFound, ExecutionState

ClassifierFactory = Callable[[Sequence[str]], MentionClassifier]


def brand_rules(config: TriageConfig) -> BrandRules:
    return BrandRules.from_dict(
        {
            "skills": {skill: list(rule.keywords) for skill, rule in config.skills.items() if rule.keywords},
            "urgency_terms": list(config.urgency_terms),
            "known_skills": list(config.skills),
        }
    )


def features(state: ExecutionState) -> MentionFeatures:
    if state.mention is not None:
        post = state.mention
        author = post.get("author") or {}
        return MentionFeatures(
            text=str(post.get("text") or ""),
            lang=post.get("lang"),
            followers=int(author.get("followers_count") or 0),
            verified=bool(author.get("verified")),
            engagement=Engagement.from_mapping(post.get("public_metrics")),
        )
    if state.dm is not None:
        sender = state.dm.sender
        return MentionFeatures(
            text=state.dm.text,
            followers=int(sender.get("followers_count") or 0),
            verified=bool(sender.get("verified")),
            is_dm=True,
        )
    raise ValueError("a triage execution needs a mention or a dm")


def model_sources(brand: Brand) -> tuple[str, ...]:
    return brand.config.models  # InvalidBrandSetting (a ValueError) names the setting


def classify_step(
    event: dict[str, Any], brand_lookup: Callable[[str], Brand | None], classifier_for: ClassifierFactory
) -> dict[str, Any]:
    state = ExecutionState.model_validate(event)
    brand = brand_lookup(state.brand_id)
    if brand is None:
        raise BrandNotFound(f"brand {state.brand_id} is not configured in this deployment")
    config = brand.config.triage
    classifier = classifier_for(model_sources(brand))
    return classifier.classify(features(state), brand_rules(config)).to_dict()
