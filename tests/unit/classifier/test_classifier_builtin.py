"""The built-in classifier: what triage sees for a brand without a trained model."""

from __future__ import annotations

import pytest

from carebird.classifier import (
    BrandRules,
    Classification,
    DefaultClassifier,
    Engagement,
    MentionFeatures,
    classifier_for,
)
from carebird.classifier.language import detect_language

RULES = BrandRules.from_dict(
    {
        "skills": {
            "baggage": ["bag", "suitcase", "lost luggage"],
            "refunds": {"*": ["refund"], "es": ["reembolso"], "fr": ["remboursement"]},
        }
    }
)


def classify(text: str, rules: BrandRules | None = RULES, **features: object) -> Classification:
    return DefaultClassifier().classify(MentionFeatures(text=text, **features), rules)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "😀😀😀",
        "😡",
        "https://t.co/abc",
        "@united @delta",
        "!!!???",
        "\x00\ufffd",
        "a" * 20_000,
        "#",
    ],
)
def test_odd_input_gives_a_defined_classification(text: str) -> None:
    result = classify(text)
    assert result.sentiment.value in ("negative", "neutral", "positive")
    assert 0.0 <= result.sentiment.confidence <= 1.0
    assert result.priority.level in ("P1", "P2", "P3", "P4")
    assert 0 <= result.priority.score <= 100
    assert result.reasons
    assert result.to_dict()["priority"]["level"] == result.priority.level


def test_empty_and_link_only_messages() -> None:
    empty = classify("")
    assert empty.sentiment.value == "neutral"
    assert empty.language.value is None
    assert empty.needs_response.value is False
    link = classify("https://t.co/abc")
    # A bare link may be a customer's photo of a broken bag: a weak sign of spam, so a person looks.
    assert link.spam.value is False
    assert link.needs_response.value is True
    assert "only a link" in " ".join(link.reasons)


def test_emoji_only_messages_carry_sentiment() -> None:
    assert classify("😡😡").sentiment.value == "negative"
    assert classify("😡😡").needs_response.value is True
    assert classify("😍").sentiment.value == "positive"


def test_a_stranded_customer_is_urgent_negative_and_needs_an_answer() -> None:
    result = classify("@airline my flight was cancelled and I'm stranded in Denver. Need a refund!")
    assert result.sentiment.value == "negative"
    assert result.urgency.value is True
    assert result.needs_response.value is True
    assert result.skill.value == "refunds"
    assert any(r.startswith("urgent (stuck traveller") and "cancelled" in r for r in result.reasons)


def test_a_complaint_without_opinion_words_is_still_negative() -> None:
    # VADER alone scores this neutral; the brand reads it as a complaint.
    assert classify("my flight is delayed again and my bag never arrived").sentiment.value == "negative"


def test_thanks_needs_no_response_but_a_question_does() -> None:
    thanks = classify("Thanks so much, great crew today!")
    assert thanks.sentiment.value == "positive"
    assert thanks.needs_response.value is False
    question = classify("Can I bring a guitar on board?")
    assert question.needs_response.value is True


def test_skill_keywords_follow_the_language() -> None:
    assert classify("quiero un reembolso de mi vuelo", lang="es").skill.value == "refunds"
    assert classify("je veux un remboursement", lang="fr").skill.value == "refunds"
    # Spanish keywords do not apply to a message X says is Portuguese.
    assert classify("reembolso", lang="pt").skill.value is None
    assert classify("my suitcase is lost").skill.value == "baggage"
    assert classify("my suitcase is lost", rules=None).skill.value is None


def test_a_skill_the_brand_does_not_route_is_no_skill() -> None:
    rules = BrandRules.from_dict(
        {"skills": {"baggage": ["bag"], "lounges": ["lounge"]}, "known_skills": ["baggage"]}
    )
    assert classify("the lounge was closed", rules=rules).skill.value is None


def test_brand_urgency_terms_add_to_the_builtin_ones() -> None:
    rules = BrandRules.from_dict({"urgency_terms": ["pet in cargo"]})
    assert classify("my pet in cargo has not been unloaded", rules=rules).urgency.value is True
    assert classify("my pet in cargo has not been unloaded", rules=None).urgency.value is False


@pytest.mark.parametrize(
    "text",
    [
        "FREE crypto airdrop!!! claim your tokens now https://t.co/x",
        "follow back follow for follow #teamfollowback",
        "Giveaway! click here to win a free iPhone https://t.co/y",
    ],
)
def test_spam_is_flagged_and_needs_no_response(text: str) -> None:
    result = classify(text)
    assert result.spam.value is True
    assert result.needs_response.value is False


def test_repeated_text_looks_like_a_bot() -> None:
    result = classify("win win win win win win win win", followers=0)
    assert result.bot.value is True
    assert classify("my bag is lost, please help me find it", followers=0).bot.value is False


def test_a_link_counts_against_an_account_with_no_followers_not_one_of_unknown_followers() -> None:
    text = "click here for free followers https://t.co/abc"
    assert any("link from an account with 0 followers" in r for r in classify(text, followers=0).reasons)
    unknown = classify(text, followers=None)  # X returned no profile for the account
    assert unknown.spam.value is True  # the text alone says so
    assert not any("link from an account" in r for r in unknown.reasons)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("My flight was cancelled and nobody is answering the phone", "en"),
        ("Mi vuelo fue cancelado y nadie me responde, qué vergüenza", "es"),
        ("Mon vol est annulé et personne ne répond, c'est une honte", "fr"),
        ("Mein Flug wurde storniert und niemand antwortet mir", "de"),
        ("Meu voo foi cancelado e ninguém me responde, que vergonha", "pt"),
        ("Il mio volo è stato cancellato e nessuno mi risponde", "it"),
        ("フライトがキャンセルされました。どうすればいいですか", "ja"),
        ("航班被取消了\uff0c没有人回复我", "zh"),
        ("항공편이 취소되었습니다", "ko"),
        ("Мой рейс отменили, никто не отвечает", "ru"),
    ],
)
def test_language_detection(text: str, language: str) -> None:
    assert detect_language(text)[0] == language
    result = classify(text)
    assert result.language.value == language


def test_x_language_wins_and_und_is_ignored() -> None:
    assert classify("ok", lang="nl").language.value == "nl"
    assert classify("Merci beaucoup pour votre aide", lang="und").language.value == "fr"


def test_sentiment_of_another_language_is_low_confidence() -> None:
    result = classify("Mein Flug wurde storniert", lang="de")
    assert result.sentiment.confidence <= 0.4
    assert any("English" in r for r in result.reasons)


def test_reach_and_engagement_raise_priority() -> None:
    text = "Terrible service, my bag is damaged"
    nobody = classify(text, followers=10)
    famous = classify(text, followers=500_000, verified=True, engagement=Engagement(retweets=300, quotes=50))
    assert famous.priority.score > nobody.priority.score
    assert famous.priority.level <= nobody.priority.level  # never lower for a famous author


def test_rules_from_bad_settings_name_the_entry() -> None:
    with pytest.raises(ValueError, match=r"skills\.baggage: expected a list of strings"):
        BrandRules.from_dict({"skills": {"baggage": "bag"}})
    with pytest.raises(ValueError, match="urgency_terms: every entry"):
        BrandRules.from_dict({"urgency_terms": ["ok", ""]})


def test_classifier_for_without_models_is_the_builtin() -> None:
    assert isinstance(classifier_for(), DefaultClassifier)


def test_a_model_that_cannot_be_loaded_falls_back_and_says_so(tmp_path) -> None:
    classifier = classifier_for([str(tmp_path / "missing.model")])
    result = classifier.classify(MentionFeatures(text="my bag is lost"), RULES)
    assert result.skill.value == "baggage"
    assert any("brand model not used" in r and "missing.model" in r for r in result.reasons)
