"""What may go to the acknowledge lane, where nobody answers: only praise that two readers agree on, and
none that reports a problem or praises sarcastically. Through the product's own decision
(carebird.triage.lanes.decide) under the default config. Every example is invented."""

from __future__ import annotations

import pytest

from tests.support.triage_decisions import decided, reasons, with_model


def test_a_word_of_praise_in_a_message_the_lexicon_reads_neutral_is_read_at_p3() -> None:
    lane, classification = decided("@AcmeHelp shout out to the night shift, my cup stayed half full")
    assert classification["sentiment"]["label"] == "neutral"  # type: ignore[index]
    assert lane == "P3"
    assert "the sentiment is neutral" in reasons(classification)


def test_praise_for_taking_the_good_out_of_something_is_a_complaint() -> None:
    lane, classification = decided("@AcmeHelp well done, you have taken the joy out of online shopping")
    assert classification["sentiment"]["label"] == "negative"  # type: ignore[index]
    assert lane in ("P1", "P2", "P3")
    assert "sarcasm marker" in reasons(classification)


@pytest.mark.parametrize(
    "text",
    [
        "@AcmeHelp kudos to the front desk for handling our downgraded room",
        "@AcmeHelp nice team, shame the show was oversold again",
    ],
)
def test_praise_that_reports_a_downgrade_or_an_oversale_is_read_by_a_person(text: str) -> None:
    lane, _ = decided(text)
    assert lane in ("P1", "P2", "P3")


def test_a_model_unsure_of_its_positive_leaves_praise_for_a_person() -> None:
    lane, classification = decided("@AcmeHelp thank you, lovely crew", with_model("positive", 0.55))
    assert lane == "P3"
    assert "positive at only 0.55" in reasons(classification)


def test_a_model_and_a_lexicon_that_disagree_leave_praise_for_a_person() -> None:
    # The model is sure it is positive; the lexicon reads nothing positive in it.
    text = "@AcmeHelp shout out to the crew, the lounge was packed"
    lane, classification = decided(text, with_model("positive", 0.9))
    assert lane == "P3"
    assert "the lexicon does not read it positive" in reasons(classification)


def test_praise_both_readers_agree_on_goes_to_the_acknowledge_lane() -> None:
    lane, classification = decided("@AcmeHelp thank you, lovely crew", with_model("positive", 0.9))
    assert lane == "acknowledge"
    assert "no response: thanks or praise" in reasons(classification)
