"""Bad input gets a decision a support lead would sign off: the built-in classifier, then triage's lane
(carebird.triage.lanes.decide) under the default config, then, where it matters, the case triage opens."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from carebird.brands.desk import DEFAULT_TRIAGE, load_triage_config
from carebird.cases.model import Channel, Customer, IncomingMessage
from carebird.classifier import DefaultClassifier, MentionFeatures
from carebird.triage.classify import brand_rules
from carebird.triage.lanes import decide
from carebird.triage.priority import ClassifierPriority
from carebird.triage.service import TriageService
from tests.support.triage_fakes import FakeAgents, FakeCases

CONFIG = load_triage_config(None)
RULES = brand_rules(CONFIG)


def decided(text: str, **features: object) -> tuple[str, dict[str, object]]:
    mention = MentionFeatures(text=text, lang=features.pop("lang", None), **features)  # type: ignore[arg-type]
    classification = DefaultClassifier().classify(mention, RULES).to_dict()
    return decide(classification, CONFIG), classification


def reasons(classification: dict[str, object]) -> str:
    return " | ".join(classification["reasons"])  # type: ignore[arg-type]


def test_empty_text_is_seen_in_the_acknowledge_lane_not_closed() -> None:
    lane, classification = decided("")
    assert lane == "acknowledge"
    assert "nothing to answer" in reasons(classification)


def test_only_a_link_is_routed_for_a_person_to_look() -> None:
    lane, classification = decided("@AcmeHelp https://t.co/photo123")
    assert lane == "P3"  # a photo of a broken bag is possible: never closed, never P4
    assert classification["spam"]["value"] is False  # type: ignore[index]


def test_only_emoji_angry_is_a_complaint_and_happy_is_acknowledged() -> None:
    assert decided("@AcmeHelp 😡😡😡")[0] in ("P1", "P2", "P3")
    assert decided("@AcmeHelp 😍🙏")[0] == "acknowledge"


def test_only_mentions_is_acknowledged_not_closed() -> None:
    lane, _ = decided("@AcmeHelp @someone")
    assert lane == "acknowledge"


@pytest.mark.parametrize("text", ["?", "@AcmeHelp ?", "@AcmeHelp ??", "hello?", "@AcmeHelp hello???"])
def test_a_customer_waiting_gets_an_answer(text: str) -> None:
    lane, classification = decided(text)
    assert lane in ("P1", "P2", "P3")
    assert classification["needs_response"]["value"] is True  # type: ignore[index]


def test_a_language_the_brand_does_not_serve_goes_to_a_person_never_closed() -> None:
    lane, classification = decided("@AcmeHelp Мой рейс отменили, никто не отвечает", lang="ru")
    assert lane in ("P1", "P2", "P3")
    config = load_triage_config(
        {"triage": {**DEFAULT_TRIAGE, "queues": {q: {"languages": ["en"]} for q in DEFAULT_TRIAGE["queues"]}}}
    )
    service = TriageService(FakeCases(), FakeAgents([]), ClassifierPriority())
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    message = IncomingMessage(
        id="9",
        brand_id="acme",
        channel=Channel.PUBLIC,
        text="@AcmeHelp Мой рейс отменили",
        created_at=now,
        customer=Customer(id="7", username="ivan"),
        lang="ru",
    )
    outcome = service.triage(message, classification, config)
    assert outcome.queue == "triage" and outcome.status.is_open


@pytest.mark.parametrize(
    "text",
    [
        "@AcmeHelp been on hold for an hour, awesome service... NOT!",
        "@AcmeHelp great job losing my reservation #sarcasm",
        "@AcmeHelp great job... not",
        "@AcmeHelp thanks for nothing",
    ],
)
def test_sarcasm_is_a_complaint(text: str) -> None:
    lane, classification = decided(text)
    assert classification["sentiment"]["label"] == "negative"  # type: ignore[index]
    assert lane in ("P1", "P2", "P3")


def test_a_thank_you_that_asks_a_question_is_answered_at_p2_when_a_bag_is_lost() -> None:
    lane, classification = decided("@AcmeHelp thanks, but where is my bag?")
    assert classification["needs_response"]["value"] is True  # type: ignore[index]
    assert lane in ("P1", "P2")
    assert "lost or damaged property" in reasons(classification)


def test_follow_me_so_i_can_dm_is_a_support_request_flagged_for_a_dm() -> None:
    lane, classification = decided(
        "@AcmeHelp now you have cancelled my wife and daughter's flight?? Follow me so I can dm details."
    )
    assert lane in ("P1", "P2")
    assert classification["spam"]["value"] is False  # type: ignore[index]
    assert classification["wants_dm"]["value"] is True  # type: ignore[index]


@pytest.mark.parametrize(
    "text",
    [
        "@AcmeHelp DMed you. Thank you",
        "@AcmeHelp just DM'd you, thanks",
        "@AcmeHelp dm'ed the details, thx",
        "@AcmeHelp I dmd you yesterday, thank you",
        "@AcmeHelp DMing you now, thanks!",
        "@AcmeHelp PMed you my order number. Thanks",
        "@AcmeHelp direct messaged you, thank you",
    ],
)
def test_a_thank_you_that_says_the_customer_wrote_by_dm_is_answered_not_acknowledged(text: str) -> None:
    # "DM" as a verb in any spelling: the customer is waiting for the answer in private.
    lane, classification = decided(text)
    assert lane in ("P1", "P2", "P3")
    assert classification["wants_dm"]["value"] is True  # type: ignore[index]
    assert "needs response: asks to continue by DM" in reasons(classification)


@pytest.mark.parametrize(
    "text", ["@AcmeHelp admitted it was a mistake, thanks", "@AcmeHelp my DMs are open, thx"]
)
def test_words_that_only_contain_dm_are_not_a_dm(text: str) -> None:
    _, classification = decided(text)
    assert classification["wants_dm"]["value"] is False  # type: ignore[index]


def test_real_follow_bait_with_strong_signals_is_still_closed() -> None:
    lane, classification = decided("f4f follow4follow gain followers #teamfollowback https://t.co/x")
    assert lane == "closed"
    assert classification["spam"]["value"] is True  # type: ignore[index]
