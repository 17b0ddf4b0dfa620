"""X-weighted length and thread splitting (carebird.outbound.text)."""

from __future__ import annotations

import re

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carebird.outbound.text import (
    MAX_WEIGHTED_LENGTH,
    EmptyReply,
    ReplyTooLong,
    entities,
    is_blank,
    is_extended_pictographic,
    split_thread,
    weighted_length,
)

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
ENGLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
NUMBERING = re.compile(r" (\d+)/(\d+)$")

# twitter-text's conformance suite (conformance/validate.yml, v3 counter): text -> weightedLength.
KANA = "あいうえおかきくけこ"
CONFORMANCE = [
    ("This is a test.", 15),
    ("http://test.com", 23),
    ("https://test.com", 23),
    ("test.com", 23),
    ("Test https://test.com test https://test.com test.com test", 86),
    ("\U00010000\U0010ffff", 4),
    ("저찀쯿쿿", 8),
    ("H\U0001f431☺" + FAMILY, 7),
    ("😷👾😡🔥💩", 10),
    ("🙋🏽👨\u200d🎤", 4),
    (FAMILY * 140, 280),
    ("1\u20e3", 2),
    ("Unicode 10.0 emoji: 🤪; 🧕; 🧕🏾; " + ENGLAND, 34),
    ("Unicode 9.0 emoji: 🤠; 💃; 💃🏾", 29),
    ("A\u0301B", 2),  # NFC: the accent composes with its letter
    ("randomurlrandomurlrandomurlrandomurlrandomurlrandomurlrandomurls.com", 68),  # 64-char label: no link
    (KANA * 12 + " http://" + (KANA * 6)[:52] + ".com", 264),  # punycode host fits 63 octets: a link
    (KANA * 12 + " http://" + (KANA * 6)[:53] + ".com", 358),  # one more: not a link
    ("の" * 140, 280),
    ("http://☃.net/", 23),  # a Unicode host
    ("故人西辞黄鹤楼\uff0c烟花三月下扬州。", 32),  # with a full-width comma
]


@pytest.mark.parametrize(("text", "expected"), CONFORMANCE, ids=[t[:24] for t, _ in CONFORMANCE])
def test_weighted_length_matches_twitter_text(text: str, expected: int) -> None:
    assert weighted_length(text) == expected


def test_a_url_weighs_23_however_long() -> None:
    url = "https://support.acme.example.com/orders/" + "a1b2c3" * 50
    assert len(url) > 300
    assert weighted_length(url) == 23
    assert split_thread(f"Track it here: {url}") == [f"Track it here: {url}"]


def test_emoji_sequences_and_cjk_weigh_two() -> None:
    assert weighted_length("👍") == weighted_length("👍🏽") == weighted_length(FAMILY) == 2
    assert weighted_length("🇫🇷") == weighted_length(ENGLAND) == weighted_length("❤️") == 2
    assert weighted_length("日本語") == 6
    assert weighted_length("abc") == 3
    # 140 CJK characters fill a post; one more does not fit.
    assert split_thread("日" * 140) == ["日" * 140]
    assert len(split_thread("日" * 141)) == 2


def test_zwj_between_letters_is_not_an_emoji() -> None:
    assert weighted_length("a\u200db") == 3


def test_line_ends_count_once() -> None:
    assert weighted_length("a\r\nb") == weighted_length("a\nb") == 3


def test_scheme_links_with_hosts_x_rejects_count_their_characters() -> None:
    bad = "http://domain-dash_2314352345_dfasd.foo-cow_4352.com"
    assert weighted_length(bad) == len(bad)
    assert weighted_length("https://user:pass[word]@www.example.com/") == len(
        "https://user:pass[word]@www.example.com/"
    )
    assert weighted_length("http://192.168.0.1/index.html?src=asdf") == 23
    assert weighted_length("http://256.1.2.3/") == 23  # not a link to X either: never under-counted


def test_an_email_address_is_not_a_link() -> None:
    assert weighted_length("help@acme.com") == len("help@acme.com")


def test_trailing_punctuation_is_not_part_of_a_link() -> None:
    assert weighted_length("see https://acme.com/help.") == 4 + 23 + 1
    assert weighted_length("(https://acme.com/help)") == 1 + 23 + 1


def test_a_link_ends_where_cjk_text_starts() -> None:
    # Japanese replies often glue a link to the sentence; X counts the sentence, so must we.
    assert weighted_length("詳細はhttps://acme.com/helpをご覧ください") == 6 + 23 + 14
    assert weighted_length("https://acme.comをご覧") == 23 + 6


def test_a_link_glued_to_a_word_is_not_a_link() -> None:
    glued = "seehttps://acme.com/help"
    assert weighted_length(glued) == len(glued)


def test_text_within_the_limit_stays_one_unnumbered_part() -> None:
    text = "x" * 280
    assert split_thread(text) == [text]
    assert split_thread("  Thanks, Alice!  \n") == ["Thanks, Alice!"]


def test_one_character_over_becomes_two_numbered_parts_that_fit() -> None:
    text = " ".join(["word"] * 56) + "s!"  # 279 + 2
    parts = split_thread(text)
    assert [NUMBERING.search(p).groups() for p in parts] == [("1", "2"), ("2", "2")]  # type: ignore[union-attr]
    assert all(weighted_length(p) <= MAX_WEIGHTED_LENGTH for p in parts)
    assert _words_of(parts) == text.split()


def test_seven_hundred_characters_make_three_parts() -> None:
    text = " ".join(f"sentence{i:03d}" for i in range(64))  # 64 * 12 - 1 = 767
    parts = split_thread(text[:700].rstrip())
    assert len(parts) == 3
    assert [p[-4:] for p in parts] == [" 1/3", " 2/3", " 3/3"]


def test_numbering_widens_to_two_digits_and_still_fits() -> None:
    text = " ".join(["abcdefghi"] * 300)  # 2999 weighted: 11+ parts
    parts = split_thread(text)
    assert len(parts) >= 11
    assert parts[0].endswith(f" 1/{len(parts)}") and parts[-1].endswith(f" {len(parts)}/{len(parts)}")
    assert max(weighted_length(p) for p in parts) <= 280
    assert _words_of(parts) == text.split()


def test_prefers_a_paragraph_break_to_filling_the_part() -> None:
    first = "First paragraph. " * 11  # 187
    second = "second paragraph words " * 6
    parts = split_thread(first.strip() + "\n\n" + second.strip())
    assert parts[0] == first.strip() + " 1/2"


def test_links_mentions_and_emoji_are_never_cut() -> None:
    url = "https://acme.com/orders/" + "9" * 200
    glued = ("@AcmeHelp," + url + "," + FAMILY) * 12  # one 3000-character "word"
    parts = split_thread(glued)
    assert all(weighted_length(p) <= 280 for p in parts)
    bodies = [NUMBERING.sub("", p) for p in parts]
    assert "".join(bodies) == glued
    for body in bodies:
        assert body.count("https://") == body.count(url)
        assert body.count("@AcmeHelp") == len(re.findall(r"@AcmeHelp(?![A-Za-z0-9_])", body))
        assert body.count("\U0001f468") == body.count(FAMILY)


def test_a_long_word_is_cut_by_weight() -> None:
    word = "日" * 400
    parts = split_thread(word)
    assert [weighted_length(NUMBERING.sub("", p)) for p in parts] == [276, 276, 248]
    assert "".join(NUMBERING.sub("", p) for p in parts) == word


INVISIBLE = [
    "\u200b\u200b\u200b",  # zero-width spaces
    "\u200c\u200d\u2060\ufeff",  # joiners, word joiner, BOM
    "\u200e\u200f\u202a\u202c\u2066\u2069",  # bidi marks and isolates
    "\u00ad\u034f\u180e\u2061\u2064",  # soft hyphen, grapheme joiner, invisible operators
    "\u3164\u115f\u1160\uffa0\u2800",  # Hangul fillers, blank Braille
    "\U000e0041\U000e007f\ufe0f",  # tag characters, a variation selector
    "\u3000\u00a0\u2007 \u200b\n",  # wide and no-break spaces mixed in
]


@pytest.mark.parametrize("text", INVISIBLE)
def test_only_invisible_characters_are_blank(text: str) -> None:
    assert is_blank(text)
    with pytest.raises(EmptyReply, match="empty"):
        split_thread(text)


@pytest.mark.parametrize("text", ["a", "\u200bok\u200b", "👍", "\u200d👍", "日", "1", ".", "\u0301e"])
def test_anything_visible_is_not_blank(text: str) -> None:
    assert not is_blank(text)


@pytest.mark.parametrize("text", ["", "   ", "\n\t \r\n"])
def test_empty_reply_is_refused(text: str) -> None:
    with pytest.raises(EmptyReply, match="empty"):
        split_thread(text)


def test_a_reply_beyond_25_parts_is_refused_with_its_size() -> None:
    with pytest.raises(ReplyTooLong, match=r"weighs 7499 .* at most 25 posts of 280"):
        split_thread("x " * 3750)
    with pytest.raises(ReplyTooLong):  # under 25 * 280 raw, but not once numbered
        split_thread(" ".join(["abcdefghij"] * 636))


def test_the_pictographic_table_is_unicodes() -> None:
    prop = regex.compile(r"\p{Extended_Pictographic}")
    wrong = [
        hex(cp)
        for cp in range(0x30000)
        if not 0xD800 <= cp <= 0xDFFF and is_extended_pictographic(chr(cp)) != bool(prop.match(chr(cp)))
    ]
    assert wrong == []


def test_entities_report_what_must_stay_whole() -> None:
    kinds = [(s.kind, s.weight) for s in entities("@alice see https://acme.com 👍🏽 or acme.org")]
    assert kinds == [("mention", 6), ("url", 23), ("emoji", 2), ("maybe_url", 23)]


# Property tests ---------------------------------------------------------------------------------

WORDS = st.one_of(
    st.from_regex(r"[A-Za-z]{1,12}[.,!?]?", fullmatch=True),
    st.from_regex(r"[àéîõüßøñ]{1,6}", fullmatch=True),
    st.text(alphabet="日本語の漢字한국어", min_size=1, max_size=8),
    st.sampled_from(["👍", "👍🏽", FAMILY, "🇫🇷", ENGLAND, "❤️", "1\ufe0f\u20e3", "☺"]),
    st.from_regex(r"https://[a-z]{1,10}\.(com|org|io)/[a-z0-9]{0,300}", fullmatch=True),
    st.from_regex(r"@[A-Za-z0-9_]{1,15}", fullmatch=True),
    st.from_regex(r"[a-z]{280,400}", fullmatch=True),  # longer than a part: cut
)
SEPARATORS = st.sampled_from([" ", " ", " ", "  ", "\n", "\n\n", "\t"])


@st.composite
def replies(draw: st.DrawFn) -> str:
    words = draw(st.lists(WORDS, min_size=1, max_size=120))
    seps = draw(st.lists(SEPARATORS, min_size=len(words), max_size=len(words)))
    return "".join(w + s for w, s in zip(words, seps, strict=True))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=replies(), limit=st.sampled_from([280, 280, 140, 60]))
def test_every_part_fits_and_the_words_come_back_in_order(text: str, limit: int) -> None:
    try:
        parts = split_thread(text, limit=limit)
    except ReplyTooLong:
        assert weighted_length(text) > limit * 20  # only refused when really long
        return
    assert parts and all(p.strip() == p and p for p in parts)
    assert all(weighted_length(p) <= limit for p in parts)
    if len(parts) == 1 and not NUMBERING.search(parts[0]):
        assert parts[0].split() == text.split()
        return
    bodies = []
    for i, part in enumerate(parts, 1):
        match = NUMBERING.search(part)
        assert match is not None and match.groups() == (str(i), str(len(parts)))
        bodies.append(part[: match.start()])
    assert all(b.strip() for b in bodies)
    # Joined, the parts give back the text's characters in order; words that fit a part stay whole.
    assert "".join("".join(b.split()) for b in bodies) == "".join(text.split())
    tokens = iter([t for b in bodies for t in b.split()])
    budget = limit - len(f" {len(parts)}/{len(parts)}")
    for word in text.split():
        token = next(tokens)
        if weighted_length(word) <= budget:
            assert token == word
        else:  # cut by weight into consecutive pieces
            while token != word:
                assert word.startswith(token)
                token += next(tokens)
    assert next(tokens, None) is None


@settings(max_examples=100, deadline=None)
@given(text=replies())
def test_links_mentions_and_emoji_survive_splitting(text: str) -> None:
    try:
        parts = split_thread(text)
    except ReplyTooLong:
        return
    whole = [text[s.start : s.end] for s in entities(text) if s.kind in ("url", "mention", "emoji")]
    found = [p[s.start : s.end] for p in parts for s in entities(p) if s.kind in ("url", "mention", "emoji")]
    for entity in whole:
        assert entity in found


def _words_of(parts: list[str]) -> list[str]:
    return [w for p in parts for w in NUMBERING.sub("", p).split()]
