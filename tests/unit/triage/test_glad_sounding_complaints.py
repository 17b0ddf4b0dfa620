"""A complaint can sound glad to a lexicon: hope, irony and politeness score positive, and nothing in it
need score negative. With the built-in rules such a message keeps its time-critical P2, so the lexicon's
positive reading is not, on its own, a reason to drop it (measured on the airline dev split's tuning
folds: a gate at VADER compound >= 0.5 with no negative word, asking nothing, took 48 complaints off P2+
for 8 positive tweets; README, "Triage quality"). Through the product's own decision
(carebird.triage.lanes.decide) under the default config. Every example is invented."""

from __future__ import annotations

import pytest

from carebird.classifier.vocabulary import vader_compound
from tests.support.triage_decisions import decided, reasons


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # hope for what has not happened yet
        (
            "@AcmeHelp i sure hope you are able to get my bag to Leeds for tomorrow, would be nice to have "
            "clean clothes for work",
            "lost or damaged property",
        ),
        # irony without a marker
        (
            "@AcmeHelp really enjoying my Sunday on hold, over 1 hour so far. perhaps a better customer "
            "experience is needed",
            "waiting",
        ),
        ("@AcmeHelp wow! 100 minutes on hold so far, and now my phone is dying", "waiting"),
        # a trip still in doubt, told cheerfully
        (
            "@AcmeHelp all 4 of us are rebooked for tomorrow morning. hoping the 3rd time is a charm for no "
            "cancelled trains!",
            "stuck traveller",
        ),
    ],
)
def test_a_complaint_the_lexicon_reads_glad_keeps_its_p2(text: str, kind: str) -> None:
    assert vader_compound(text) >= 0.5  # the premise: the lexicon reads it clearly positive
    lane, classification = decided(text)
    assert lane in ("P1", "P2")
    assert classification["time_critical"]["value"] is True  # type: ignore[index]
    assert kind in reasons(classification)
    assert "not counted" not in reasons(classification)


@pytest.mark.parametrize(
    ("text", "lanes"),
    [
        ("@AcmeHelp thanks, but where is my bag?", ("P1", "P2")),
        ("@AcmeHelp great job... not", ("P1", "P2", "P3")),
        ("@AcmeHelp great job losing my reservation #sarcasm", ("P1", "P2", "P3")),
        ("?", ("P1", "P2", "P3")),
        ("hello?", ("P1", "P2", "P3")),
    ],
)
def test_the_issues_bad_inputs_still_reach_a_person(text: str, lanes: tuple[str, ...]) -> None:
    lane, classification = decided(text)
    assert lane in lanes
    assert classification["needs_response"]["value"] is True  # type: ignore[index]
