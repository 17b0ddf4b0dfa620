"""Post text as X treats it: entities, t.co links, weighted length, truncation and language."""

from __future__ import annotations

import pytest

from carebird_ops.xemu import text
from tests.unit.outbound.test_text import CONFORMANCE


def test_mentions_follow_x_rules() -> None:
    sample = "@alice hi @Bob_99, mail a@b.com, @waytoolonghandle_x \uff20wide"  # full-width at sign counts
    found = [(m.username, m.start, m.end) for m in text.mentions(sample)]
    wide = sample.index("\uff20wide")
    assert found == [("alice", 0, 6), ("Bob_99", 10, 17), ("wide", wide, wide + 5)]


def test_links_are_wrapped_in_tco_and_count_23() -> None:
    wrapped, links = text.wrap_links("see https://example.com/a/very/long/path?x=1. thanks")
    (short,) = links
    assert links[short] == "https://example.com/a/very/long/path?x=1"
    assert wrapped == f"see {short}. thanks"
    assert len(short) == 23
    assert text.weighted_length(wrapped) == len("see . thanks") + 23
    assert text.wrap_links("again https://example.com/a/very/long/path?x=1")[0].endswith(short)


def test_weighted_length_counts_cjk_and_emoji_double() -> None:
    assert text.weighted_length("abc") == 3
    assert text.weighted_length("日本語") == 6
    assert text.weighted_length("🙂") == 2


def test_truncate_keeps_links_whole() -> None:
    wrapped, _ = text.wrap_links("x" * 270 + " https://example.com/page")
    cut = text.truncate(wrapped)
    assert cut.endswith("…")
    assert "https://t.co" not in cut  # the link would not fit whole, so it is left out
    assert text.truncate("short") == "short"


def test_hashtags() -> None:
    assert [h.tag for h in text.hashtags("#refund #2024 #año a#b")] == ["refund", "año"]


@pytest.mark.parametrize(
    ("sample", "lang"),
    [
        ("@AcmeHelp where is my refund? I have been waiting for weeks", "en"),
        ("@AcmeHelp dónde está mi pedido? No llega", "es"),
        ("@AcmeHelp je ne reçois pas mon colis, pourquoi ?", "fr"),
        ("@AcmeHelp mein Paket ist nicht angekommen", "de"),
        ("@AcmeHelp 注文した商品が届きません", "ja"),
        ("@AcmeHelp @Other", "qam"),
        ("#outage", "qht"),
        ("https://t.co/abcdefghij", "zxx"),
    ],
)
def test_language_guess(sample: str, lang: str) -> None:
    assert text.guess_language(sample) == lang


# twitter-text's conformance cases the product's counter passes (tests/unit/outbound/test_text.py), those
# without links: the emulator stores links as t.co, so it counts them after wrapping, not as typed.
_LINKLESS = [(t, n) for t, n in CONFORMANCE if "." not in t or t.startswith(("Unicode", "故人"))]


@pytest.mark.parametrize(("typed", "expected"), _LINKLESS, ids=[t[:24] for t, _ in _LINKLESS])
def test_the_emulator_counts_as_x_does_on_twitter_texts_conformance_cases(typed: str, expected: int) -> None:
    assert text.weighted_length(typed) == expected


def test_an_emoji_sequence_is_never_cut_by_truncation() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
    assert text.truncate("a" * 276 + family + "b" * 10) == "a" * 276 + family + "b…"
    assert (
        text.truncate("a" * 278 + family + "b" * 10) == "a" * 278 + "…"
    )  # not the family's first code point
    assert text.weighted_length(family * 140) == 280
