"""A content customer's travel, booking or money words are no emergency: a message with no negation, no
problem word, no question and no doubt, that a reader finds positive, stays out of P2, while a
complaint, a request or sarcasm with the same words keeps it. Through the product's own decision
(carebird.triage.lanes.decide) under the default config. Every example is invented."""

from __future__ import annotations

import pytest

from tests.support.triage_decisions import decided, reasons, with_model


@pytest.mark.parametrize(
    "text",
    [
        "@AcmeHelp safety first, the crew handled the storm calmly",
        # "can't wait" is eagerness, not a problem or a negation
        "@AcmeHelp booked my tickets for the summer, so excited, can't wait!",
    ],
)
def test_a_content_message_with_time_critical_words_is_p3(text: str) -> None:
    lane, classification = decided(text)
    assert lane == "P3"
    assert "time-critical words not counted: positive, with no trouble" in reasons(classification)


def test_eagerness_is_not_read_as_a_problem() -> None:
    _, classification = decided("@AcmeHelp already booked the tickets, can't wait")
    assert classification["sentiment"]["label"] != "negative"  # type: ignore[index]
    assert "reports a problem" not in reasons(classification)


@pytest.mark.parametrize(
    "text",
    [
        "@AcmeHelp my luggage is somewhere in a warehouse, please help",  # a request
        "@AcmeHelp lovely crew, but my bag never arrived",  # a problem after "but"
        "@AcmeHelp love how my flight got cancelled",  # sarcasm
    ],
)
def test_the_same_words_in_a_complaint_or_a_request_keep_p2(text: str) -> None:
    lane, _ = decided(text)
    assert lane in ("P1", "P2")


def test_a_content_message_a_brands_model_reads_negative_is_p3_when_the_lexicon_reads_it_positive() -> None:
    classifier = with_model("negative", 0.8)
    lane, classification = decided("@AcmeHelp safety first, the crew handled the storm calmly", classifier)
    assert classification["sentiment"]["label"] == "negative"  # type: ignore[index]
    assert lane == "P3"


def test_sarcasm_a_brands_model_reads_negative_keeps_p2() -> None:
    classifier = with_model("negative", 0.8)
    lane, _ = decided("@AcmeHelp love how my flight got cancelled", classifier)
    assert lane in ("P1", "P2")


def test_a_brands_model_reading_a_message_positive_is_believed() -> None:
    # A question about a bag would be time-critical from the lexicon; the brand's model reads it positive.
    text = "@AcmeHelp thank you for moving me to the early train, will my bags follow?"
    lane, classification = decided(text, with_model("positive", 0.8))  # type: ignore[list-item]
    assert lane == "P3"
    assert "the brand's model reads it positive" in reasons(classification)
    assert decided(text)[0] in ("P1", "P2")  # the lexicon alone is not believed


def test_a_brands_model_unsure_of_its_positive_is_not_believed() -> None:
    text = "@AcmeHelp thank you for moving me to the early train, will my bags follow?"
    lane, _ = decided(text, with_model("positive", 0.45))  # type: ignore[list-item]
    assert lane in ("P1", "P2")
