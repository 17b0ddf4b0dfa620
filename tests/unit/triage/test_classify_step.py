"""The Classify step reads the brand's settings from the execution's input ("classifier", handed over by
the poll function), and reads the brand itself only for an input without them (executions started by the
release before, or handed off while the brand's triage or models setting was invalid)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from carebird.brands import Brand
from carebird.brands.desk import DEFAULT_TRIAGE, TriageConfigError, load_triage_config
from carebird.brands.settings import InvalidBrandSetting
from carebird.classifier import BrandRules, DefaultClassifier, Engagement, MentionClassifier, MentionFeatures
from carebird.ingest.model import Author, IngestedMention, Mention, MentionStatus
from carebird.triage.classify import brand_rules, classify_step, features
from carebird.triage.errors import BrandNotFound

T = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# A desk whose "bookings" keywords the default desk does not have, so which desk decided is visible.
DESK = {
    **DEFAULT_TRIAGE,
    "skills": {
        "bookings": {"queue": "bookings", "keywords": ["zeppelin", "late"]},
        "billing": {"queue": "billing", "keywords": ["refund", "late fee"]},
        "general": {"queue": "general", "keywords": []},
    },
    "urgency_terms": ["stranded"],
}
BRAND = Brand(handle="acme", user_id="1000", credentials_secret="x", settings={"triage": DESK})
TEXTS = [
    "My zeppelin is late and I am stranded at the gate!",
    "I want a refund of the late fee",
    "thanks, great crew today",
    "WIN A FREE iPhone click here http://spam.example",
    "",
]


class Brands:
    """The brand lookup, counting its reads."""

    def __init__(self, *brands: Brand) -> None:
        self.brands = {brand.id: brand for brand in brands}
        self.reads = 0

    def __call__(self, brand_id: str) -> Brand | None:
        self.reads += 1
        return self.brands.get(brand_id)


class Classifiers:
    """The classifier factory, recording the model sources it was asked for."""

    def __init__(self) -> None:
        self.sources: list[tuple[str, ...]] = []

    def __call__(self, sources: Sequence[str]) -> MentionClassifier:
        self.sources.append(tuple(sources))
        return DefaultClassifier()


def handed_off(text: str, brand: Brand = BRAND, tweet_id: str = "1790000000000000021") -> dict[str, Any]:
    """The execution input as the poll function hands it off, through the JSON Step Functions carries."""
    record = IngestedMention(
        brand_id=brand.id,
        mention=Mention(id=tweet_id, author=Author(id="55", followers_count=150), text=text, created_at=T),
        status=MentionStatus.PENDING,
        ingested_at=T,
    )
    payload: dict[str, Any] = json.loads(json.dumps(record.triage_input(brand), sort_keys=True))
    return payload


def old_shape(text: str) -> dict[str, Any]:
    """The input of an execution started by the release before: no "classifier"."""
    payload = handed_off(text)
    del payload["classifier"]
    return payload


def test_a_handed_off_message_is_classified_without_reading_the_brand() -> None:
    brands = Brands()  # the brand is not even there: it is not read
    result = classify_step(handed_off(TEXTS[0]), brands, Classifiers())

    assert brands.reads == 0
    assert result["skill"]["label"] == "bookings"  # the brand's own keyword "zeppelin"
    assert any("stranded" in reason for reason in result["reasons"])  # its extra urgency term


def test_an_execution_started_before_the_hand_off_carried_them_reads_the_brand() -> None:
    brands = Brands(BRAND)
    result = classify_step(old_shape(TEXTS[0]), brands, Classifiers())

    assert brands.reads == 1
    assert result["skill"]["label"] == "bookings"


@pytest.mark.parametrize("text", TEXTS)
def test_both_inputs_get_the_same_classification(text: str) -> None:
    carried = classify_step(handed_off(text), Brands(), Classifiers())
    read = classify_step(old_shape(text), Brands(BRAND), Classifiers())
    assert carried == read


def test_the_settings_at_hand_off_decide_even_if_the_brand_changed_since() -> None:
    # The brand's desk changed after the poll handed the message off: the message in flight is classified
    # by the settings it was handed off with (the Route step reads the brand as it stands when it routes).
    changed = BRAND.model_copy(update={"settings": {}})  # back to the default desk: no "zeppelin"
    event = handed_off(TEXTS[0])

    assert classify_step(event, Brands(changed), Classifiers())["skill"]["label"] == "bookings"
    assert classify_step(old_shape(TEXTS[0]), Brands(changed), Classifiers())["skill"]["label"] != "bookings"


def test_the_brand_s_models_reach_the_classifier_on_both_paths() -> None:
    brand = BRAND.model_copy(update={"settings": {"triage": DESK, "models": ["s3://models/acme.model"]}})
    classifiers = Classifiers()
    classify_step(handed_off("late", brand), Brands(), classifiers)
    del (event := handed_off("late", brand))["classifier"]
    classify_step(event, Brands(brand), classifiers)

    assert classifiers.sources == [("s3://models/acme.model",), ("s3://models/acme.model",)]


def test_a_keyword_tie_goes_to_the_skill_the_desk_lists_first_on_both_paths() -> None:
    # "zeppelin" (bookings) and "refund" (billing) score one each: the desk's order decides, and the sorted
    # JSON of the hand-off must not turn it into alphabetical order (billing first).
    text = "zeppelin refund"
    assert classify_step(handed_off(text), Brands(), Classifiers())["skill"]["label"] == "bookings"
    assert classify_step(old_shape(text), Brands(BRAND), Classifiers())["skill"]["label"] == "bookings"


def test_the_rules_read_back_are_the_desk_s_rules_in_its_order() -> None:
    config = load_triage_config({"triage": DESK})
    rules = brand_rules(config)
    # As the step built them from the desk before the hand-off carried them.
    assert rules == BrandRules.from_dict(
        {
            "skills": {skill: list(rule.keywords) for skill, rule in config.skills.items() if rule.keywords},
            "urgency_terms": list(config.urgency_terms),
            "known_skills": list(config.skills),
        }
    )
    assert list(rules.skills) == ["bookings", "billing"]


def test_an_unknown_brand_without_carried_settings_is_brand_not_found() -> None:
    with pytest.raises(BrandNotFound, match="brand 1000"):
        classify_step(old_shape("late"), Brands(), Classifiers())


@pytest.mark.parametrize(
    ("settings", "error", "named"),
    [
        ({"triage": {"skills": "none"}}, TriageConfigError, "triage."),
        ({"models": 7}, InvalidBrandSetting, "models"),
    ],
)
def test_a_brand_with_an_invalid_setting_is_read_and_fails_naming_it(
    settings: dict[str, Any], error: type[Exception], named: str
) -> None:
    # The hand-off carries nothing for such a brand; Classify reads it and fails as it always did, which
    # the workflow catches into the needs-human queue.
    brand = BRAND.model_copy(update={"settings": settings})
    event = handed_off("late", brand)
    assert "classifier" not in event
    with pytest.raises(error, match=named):
        classify_step(event, Brands(brand), Classifiers())


@pytest.mark.parametrize(
    ("carried", "named"),
    [
        ("bookings", "classifier: expected an object"),
        ({"skills": {"bookings": ["late"]}}, "classifier.skills"),
        ({"skills": [["bookings", "late"]]}, "skills.bookings"),
        ({"models": "s3://models/acme.model"}, "classifier.models"),
    ],
)
def test_malformed_carried_settings_fail_the_step_naming_them(carried: Any, named: str) -> None:
    event = {**handed_off("late"), "classifier": carried}
    with pytest.raises(ValueError, match=named):
        classify_step(event, Brands(BRAND), Classifiers())


def test_what_the_hand_off_carries_is_small() -> None:
    # The default desk's settings: about half a kilobyte beside the message (Step Functions takes 256 KB).
    default = Brand(handle="acme", user_id="1000", credentials_secret="x")
    size = len(json.dumps(default.config.classifier_input(), separators=(",", ":")))
    assert 300 < size < 800


def test_the_step_reads_the_mention_it_classifies() -> None:
    event = handed_off("my flight is late")
    event["mention"].update(lang="en", public_metrics={"retweet_count": 3, "like_count": 2})
    event["mention"]["author"].update(verified=True)
    assert features(event) == MentionFeatures(
        text="my flight is late",
        lang="en",
        followers=150,
        verified=True,
        engagement=Engagement(retweets=3, likes=2),
    )


def test_an_author_without_a_profile_has_unknown_followers_not_zero() -> None:
    event = handed_off("my flight is late")
    event["mention"]["author"] = {"id": "55"}  # X returned no profile for the account
    assert features(event).followers is None
    event["mention"]["author"] = {"id": "55", "followers_count": 0}
    assert features(event).followers == 0


def test_the_step_reads_the_dm_it_classifies() -> None:
    dm = {"id": "9", "text": "charged twice", "created_at": "2026-03-02T09:00:00Z", "sender": {"id": "55",
          "followers_count": 12, "verified": False}}  # fmt: skip
    event = {"brand_id": "1000", "dm": dm, "classifier": BRAND.config.classifier_input()}
    assert features(event) == MentionFeatures(text="charged twice", followers=12, is_dm=True)
    assert classify_step(event, Brands(), Classifiers())["skill"]["label"] is None


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"brand_id": None}, "brand_id: expected a string"),
        ({"brand_id": 1000}, "brand_id: expected a string"),
        ({"mention": None}, "needs a mention or a dm"),
        ({"mention": "late"}, "mention: expected an object"),
        ({"mention": {"text": "late", "author": "55"}}, "mention.author: expected an object"),
        ({"mention": None, "dm": {"text": 7, "sender": {}}}, "dm.text: expected a string"),
        ({"mention": None, "dm": {"text": "hi", "sender": None}}, "dm.sender: expected an object"),
    ],
)
def test_a_malformed_input_fails_the_step_naming_the_field(change: dict[str, Any], named: str) -> None:
    # The workflow catches any failure of the step into the needs-human queue.
    with pytest.raises(ValueError, match=named):
        classify_step({**handed_off("late"), **change}, Brands(BRAND), Classifiers())
