"""The rules that keep complaints out of the acknowledge lane and praise out of P2, one test per rule,
through the product's own decision (carebird.triage.lanes.decide) under the default config. Every example
is invented."""

from __future__ import annotations

import pytest

from tests.support.triage_decisions import decided, reasons, with_model


@pytest.mark.parametrize(
    "text",
    [
        "@AcmeHelp thank you so much, the crew was lovely",
        "@AcmeHelp kudos to the team at the front desk",
        "@AcmeHelp amazing service today, well done",
    ],
)
def test_plain_thanks_or_praise_goes_to_the_acknowledge_lane(text: str) -> None:
    lane, classification = decided(text)
    assert lane == "acknowledge"
    assert "no response: thanks or praise" in reasons(classification)


def test_a_positive_message_without_thanks_or_praise_is_read_at_p3() -> None:
    # A general lexicon scores this positive; nothing in it thanks or praises.
    lane, classification = decided("@AcmeHelp ready for round two with you tomorrow, let's see")
    assert lane == "P3"
    assert classification["needs_response"]["value"] is True  # type: ignore[index]


@pytest.mark.parametrize(
    "text",
    [
        "@AcmeHelp thanks, someone finally picked up after 50 minutes",  # a duration: they waited
        "@AcmeHelp an update on my order would be great, thx",  # a polite request
        "@AcmeHelp thanks for sending my parcel to the wrong city #nothappy",  # a "#no..." hashtag
        "@AcmeHelp great, I get to sleep at the station until 6am. thanks",  # still on the way
        "@AcmeHelp well done, what a fiasco",  # a word the lexicon scores clearly negative
        "@AcmeHelp glad you're sorry, that helps a lot",  # an apology quoted back
        "@AcmeHelp thanks for the help 😩",  # a sad face
        "@AcmeHelp thanks for the info - the extra seat they needed was the one I was sitting in",  # sitting
    ],
)
def test_thanks_with_a_doubt_marker_is_read_by_a_person_not_acknowledged(text: str) -> None:
    lane, classification = decided(text)
    assert lane in ("P1", "P2", "P3")
    assert classification["needs_response"]["value"] is True  # type: ignore[index]


def test_an_agent_or_attendant_is_not_a_negation() -> None:
    # "agent" and "attendant" end in -nt; they once read as "don't"/"can't" and made praise troubled.
    lane, classification = decided("@AcmeHelp the gate agent was amazing, thank you")
    assert lane == "acknowledge"
    assert "praise words with" not in reasons(classification)


@pytest.mark.parametrize(
    "text",
    [
        "@AcmeHelp thanks for rebooking me, I made it home",
        "@AcmeHelp thank you, my lost suitcase was found and delivered",
        "@AcmeHelp the delay was long but your crew was absolutely amazing, thank you",
    ],
)
def test_thanks_for_a_problem_already_solved_is_not_p2(text: str) -> None:
    lane, classification = decided(text)
    assert lane not in ("P1", "P2")
    assert classification["needs_response"]["value"] is False or lane == "P3"  # type: ignore[index]


@pytest.mark.parametrize(
    "text",
    [
        "@AcmeHelp thanks, but where is my bag?",
        "@AcmeHelp thank you for leaving me stranded overnight, never again",
        "@AcmeHelp great job... not. my refund never came",
    ],
)
def test_thanks_that_still_carries_a_problem_keeps_its_p2(text: str) -> None:
    lane, _ = decided(text)
    assert lane in ("P1", "P2")


def test_a_positive_message_with_a_but_and_a_time_critical_need_is_not_praise() -> None:
    # A lexicon reads it as positive; it is an urgent lost-property request.
    lane, classification = decided("@AcmeHelp yes, but I really need my suitcase before tomorrow morning")
    assert lane in ("P1", "P2")
    assert "lost or damaged property" in reasons(classification)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("@AcmeHelp my new laptop arrived with a cracked screen", "lost or damaged property"),
        ("@AcmeHelp you destroyed my stroller in the hold", "lost or damaged property"),
        ("@AcmeHelp I want to claim the cost of the hotel", "money"),
        ("@AcmeHelp been trying to book for two days, the site won't let me", "booking or account"),
        ("@AcmeHelp I need to reschedule, the page just spins", "booking or account"),
    ],
)
def test_broader_time_critical_vocabulary_reaches_p2(text: str, kind: str) -> None:
    lane, classification = decided(text)
    assert lane in ("P1", "P2")
    assert kind in reasons(classification)


def test_a_duration_in_a_message_that_is_not_praise_is_time_critical() -> None:
    lane, classification = decided("@AcmeHelp sitting in this train for 3 hours now")
    assert lane in ("P1", "P2")
    assert "waiting" in reasons(classification)


def test_a_duration_in_praise_is_not() -> None:
    # Not P2; not the acknowledge lane either (a duration is a doubt marker), so a person reads it at P3.
    lane, _ = decided("@AcmeHelp thank you for a lovely 2 hour trip")
    assert lane == "P3"


def test_in_progress_words_count_in_a_neutral_message_with_a_problem() -> None:
    # Neutral to a lexicon, but a negation and a trip in progress: the traveller is stuck.
    lane, classification = decided("@AcmeHelp the train has not moved from the platform")
    assert lane in ("P1", "P2")
    assert "something in progress" in reasons(classification)


def test_kind_negation_does_not_make_praise_urgent() -> None:
    lane, _ = decided("@AcmeHelp no worries, the delay was minor and your crew was wonderful")
    assert lane not in ("P1", "P2")


@pytest.mark.parametrize(
    "text",
    ["@AcmeHelp the seat I chose now costs $45 more", "@AcmeHelp that change cost me 120 euros"],
)
def test_an_amount_of_money_in_a_message_that_is_not_praise_is_time_critical(text: str) -> None:
    lane, classification = decided(text)
    assert lane in ("P1", "P2")
    assert "money" in reasons(classification)


def test_an_amount_of_money_in_praise_is_not() -> None:
    lane, _ = decided("@AcmeHelp thank you, a lovely stay for $90, well done")
    assert lane == "acknowledge"


@pytest.mark.parametrize(
    "text",
    [
        "@AcmeHelp there is a two hour wait at the counter",  # a duration in words
        "@AcmeHelp we were supposed to leave at 8 and we are still here",  # what should have happened
        "@AcmeHelp my order has yet to arrive",
        "@AcmeHelp still haven't left the station",
    ],
)
def test_a_traveller_still_waiting_is_time_critical(text: str) -> None:
    lane, classification = decided(text)
    assert lane in ("P1", "P2")
    assert classification["time_critical"]["value"] is True  # type: ignore[index]


@pytest.mark.parametrize(
    "text",
    [
        "@AcmeHelp thanks for ruining our anniversary, the train is delayed by over 3 hours",
        "@AcmeHelp thank you for leaving my grandmother stranded at the station",
        "@AcmeHelp thanks for another delay. great service",
    ],
)
def test_thanks_for_a_harm_is_sarcasm_and_stays_time_critical(text: str) -> None:
    lane, classification = decided(text)
    assert lane in ("P1", "P2")
    assert classification["time_critical"]["value"] is True  # type: ignore[index]
    assert "not counted: a thank-you" not in reasons(classification)


def test_thanks_for_a_help_with_a_trouble_word_is_not_sarcasm() -> None:
    lane, classification = decided("@AcmeHelp thanks for rebooking my cancelled train, all sorted")
    assert "sarcasm" not in reasons(classification)
    assert lane in ("acknowledge", "P3")


@pytest.mark.parametrize(
    ("text", "acclaim"),
    [
        (
            "@AcmeHelp huge props to Dana at the desk for getting 3 of us home after the trains were delayed",
            "props",
        ),
        ("@AcmeHelp your baggage crew deserves a medal, my bags made the connection", "deserves a medal"),
        ("@AcmeHelp they changed my connecting train for me so I wouldn't miss it. A+ work", "A+"),
        ("@AcmeHelp crisis averted! just confirmed a seat on the next flight", "Crisis averted"),
        ("@AcmeHelp the friendliest check in staff ever, flight 417", "friendliest"),
        ("@AcmeHelp props to the crew who found my bag when the connection was missed", "props"),  # "when"
    ],
)
def test_credit_for_a_problem_handled_is_not_time_critical(text: str, acclaim: str) -> None:
    lane, classification = decided(text)
    assert lane in ("acknowledge", "P3")
    assert classification["time_critical"]["value"] is False  # type: ignore[index]
    assert f"credit for a problem handled ({acclaim.lower()!r})" in reasons(classification).lower()


@pytest.mark.parametrize(
    "text",
    [
        "@AcmeHelp props to the agent, but where is my bag?",  # a question beside the credit
        "@AcmeHelp props to the agent. my luggage is still missing, can you check",  # a request
        "@AcmeHelp best airline ever, my flight is cancelled and nobody answers",  # praise negated by trouble
        "@AcmeHelp A+ for losing my bag again #sarcasm",  # a sarcasm marker
    ],
)
def test_credit_beside_a_question_a_request_or_sarcasm_stays_time_critical(text: str) -> None:
    lane, classification = decided(text)
    assert lane in ("P1", "P2")
    assert classification["time_critical"]["value"] is True  # type: ignore[index]


def test_a_brand_model_that_gives_praise_a_fair_chance_leaves_trip_words_uncounted() -> None:
    # The model reads it negative, but gives praise a 35% chance, and the message asks nothing.
    text = "@AcmeHelp the gate agent boarded our whole family early on flight 417"
    lane, classification = decided(text, with_model("negative", 0.6, positive=0.35, neutral=0.05))
    assert classification["time_critical"]["value"] is False  # type: ignore[index]
    assert "the brand's model gives praise a 35% chance" in reasons(classification)
    assert lane == "P3"  # still read by a person: the reading is negative


@pytest.mark.parametrize(
    ("text", "positive"),
    [
        ("@AcmeHelp the gate agent boarded our whole family early on flight 417", 0.1),  # no doubt
        ("@AcmeHelp the gate agent boarded us early, is flight 417 still on time?", 0.35),  # a question
        ("@AcmeHelp I need my flight 417 changed today", 0.35),  # a request
    ],
)
def test_a_brand_model_sure_of_a_complaint_or_a_question_keeps_trip_words(text: str, positive: float) -> None:
    lane, classification = decided(text, with_model("negative", 0.6, positive=positive))
    assert classification["time_critical"]["value"] is True  # type: ignore[index]
    assert lane in ("P1", "P2")
