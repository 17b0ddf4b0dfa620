"""The Classify step: the classifier's view of one customer message, with the brand's rules and models.

What the step reads of the brand (BrandSettings.classifier_input: the desk's keyword rules, its extra
urgency terms, the skills it has queues for, and its `models`, local paths or s3:// URIs of models made
by `carebird train`) comes with the message, under "classifier": the poll function hands the brand's
settings over as it read them for that poll run, so a message classified after the brand's settings
changed is classified by the settings of its hand-off (the Route step reads the brand itself, as it stands
when it routes). An execution without them (started by a release before, or handed off while the brand's
triage or models setting was invalid) reads the brand here instead: a brand whose rules are malformed
then raises, naming the setting, which the workflow catches into the needs-human queue.

The step reads the few fields it needs of the input by hand rather than through the execution's pydantic
model (carebird.triage.execution.ExecutionState, which the Route step validates whole): importing pydantic
and building that model was most of the Classify function's cold start once the DynamoDB code had gone
(make bench-coldstart). A malformed input raises ValueError naming the field, as the model would have.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from carebird.classifier import BrandRules, Engagement, MentionClassifier, MentionFeatures
from carebird.triage.errors import BrandNotFound

if TYPE_CHECKING:  # the Brand arrives from the lookup; importing the brands package costs a cold start
    from carebird.brands import Brand
    from carebird.brands.desk import TriageConfig

ClassifierFactory = Callable[[Sequence[str]], MentionClassifier]

# The key of the triage execution's input that carries the brand's settings for this step.
CLASSIFIER_INPUT = "classifier"


def classifier_rules(settings: Mapping[str, Any]) -> BrandRules:
    """The classifier's rules from a brand's classifier input (TriageConfig.classifier_rules). Raises
    ValueError naming what is malformed."""
    pairs = settings.get("skills") or []
    if not isinstance(pairs, list) or not all(isinstance(p, list) and len(p) == 2 for p in pairs):
        raise ValueError(f"{CLASSIFIER_INPUT}.skills: expected a list of [skill, keywords] pairs")
    return BrandRules.from_dict(
        {
            "skills": dict(pairs),
            "urgency_terms": settings.get("urgency_terms") or [],
            "known_skills": settings.get("known_skills") or [],
        }
    )


def brand_rules(config: TriageConfig) -> BrandRules:
    return classifier_rules(config.classifier_rules())


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where}: expected an object")
    return value


def brand_id_of(event: Mapping[str, Any]) -> str:
    brand_id = event.get("brand_id")
    if not isinstance(brand_id, str):
        raise ValueError("brand_id: expected a string")
    return brand_id


def _followers(author: Mapping[str, Any]) -> int | None:
    """The author's followers; None when the message came without a profile (X returned none for the
    account: suspended, deleted or withheld), which is not an account without followers."""
    count = author.get("followers_count")
    return None if count is None else int(count)


def features(event: Mapping[str, Any]) -> MentionFeatures:
    """The classifier's view of the execution's message: its "mention" (X's post) or else its "dm"."""
    if event.get("mention") is not None:
        post = _object(event["mention"], "mention")
        author = _object(post.get("author") or {}, "mention.author")
        return MentionFeatures(
            text=str(post.get("text") or ""),
            lang=post.get("lang"),
            followers=_followers(author),
            verified=bool(author.get("verified")),
            engagement=Engagement.from_mapping(post.get("public_metrics")),
        )
    if event.get("dm") is not None:
        dm = _object(event["dm"], "dm")
        text = dm.get("text")
        if not isinstance(text, str):
            raise ValueError("dm.text: expected a string")
        sender = _object(dm.get("sender"), "dm.sender")
        return MentionFeatures(
            text=text,
            followers=_followers(sender),
            verified=bool(sender.get("verified")),
            is_dm=True,
        )
    raise ValueError("a triage execution needs a mention or a dm")


def model_sources(settings: Mapping[str, Any]) -> tuple[str, ...]:
    sources = settings.get("models") or []
    if not isinstance(sources, list) or not all(isinstance(source, str) and source for source in sources):
        raise ValueError(f"{CLASSIFIER_INPUT}.models: expected a list of paths or s3:// URIs")
    return tuple(sources)


def classifier_input(
    event: Mapping[str, Any], brand_id: str, brand_lookup: Callable[[str], Brand | None]
) -> Mapping[str, Any]:
    """The brand's settings for this step: as handed off with the message, else read from the brand.
    (Not a field of ExecutionState, which the Route step validates: a malformed value must fail this step
    only, which the workflow catches into the needs-human queue.)"""
    carried = event.get(CLASSIFIER_INPUT)
    if carried is not None:
        if not isinstance(carried, Mapping):
            raise ValueError(f"{CLASSIFIER_INPUT}: expected an object")
        return carried
    brand = brand_lookup(brand_id)
    if brand is None:
        raise BrandNotFound(f"brand {brand_id} is not configured in this deployment")
    return brand.config.classifier_input()  # TriageConfigError, InvalidBrandSetting name the setting


def classify_step(
    event: dict[str, Any], brand_lookup: Callable[[str], Brand | None], classifier_for: ClassifierFactory
) -> dict[str, Any]:
    brand_id = brand_id_of(event)
    mention = features(event)
    settings = classifier_input(event, brand_id, brand_lookup)
    rules = classifier_rules(settings)
    classifier = classifier_for(model_sources(settings))
    return classifier.classify(mention, rules).to_dict()
