"""Post text the way X treats it: t.co links, entities, weighted length, note-tweet truncation, language."""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

import regex

MAX_WEIGHTED_LENGTH = 280
MAX_NOTE_TWEET_LENGTH = 25_000
TCO_LENGTH = 23  # every link counts as a t.co link of this length

# X also accepts the full-width at sign (U+FF20) and number sign (U+FF03).
MENTION_RE = re.compile(r"(?<![A-Za-z0-9_!@\uff20#$%&*])[@\uff20]([A-Za-z0-9_]{1,15})(?![A-Za-z0-9_@\uff20])")
URL_RE = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
HASHTAG_RE = re.compile(r"(?<![\w&#\uff03])[#\uff03](\w*[^\W\d_]\w*)")
_TRAILING_PUNCTUATION = ".,!?;:)]}'\"…"
TCO_RE = re.compile(r"https://t\.co/[A-Za-z0-9]{10}")


def shorten(url: str) -> str:
    digest = base64.b64encode(hashlib.sha256(url.encode()).digest(), altchars=b"xy").decode()
    return "https://t.co/" + digest[:10]


def wrap_links(text: str) -> tuple[str, dict[str, str]]:
    """Replace each link by its t.co form, as X stores posts; returns the text and t.co -> original."""
    expansions: dict[str, str] = {}

    def _wrap(match: re.Match[str]) -> str:
        url = match.group(0)
        tail = ""
        while url and url[-1] in _TRAILING_PUNCTUATION:
            tail = url[-1] + tail
            url = url[:-1]
        if TCO_RE.fullmatch(url):
            expansions.setdefault(url, url)
            return url + tail
        short = shorten(url)
        expansions[short] = url
        return short + tail

    return URL_RE.sub(_wrap, text), expansions


def _char_weight(ch: str) -> int:
    # twitter-text v3: Latin and general punctuation weigh 1; CJK, emoji and the rest weigh 2.
    cp = ord(ch)
    if cp <= 4351 or 8192 <= cp <= 8205 or 8208 <= cp <= 8223 or 8242 <= cp <= 8247:
        return 1
    return 2


# One user-perceived character (a grapheme cluster), and whether it is an emoji: twitter-text counts an
# emoji sequence (skin tone, ZWJ family, flag, keycap, tag sequence) as 2 however many code points it has.
# Read from Unicode's own properties (the `regex` module), not from the product's table.
_CLUSTER = regex.compile(r"\X")
_EMOJI = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3")


def _units(text: str) -> Iterator[tuple[str, int]]:
    """(piece, weight) in order: each t.co link as one piece, else each grapheme cluster."""
    position = 0
    for match in TCO_RE.finditer(text):
        yield from _clusters(text[position : match.start()])
        yield match.group(0), TCO_LENGTH
        position = match.end()
    yield from _clusters(text[position:])


def _clusters(text: str) -> Iterator[tuple[str, int]]:
    for cluster in _CLUSTER.findall(text):
        yield cluster, 2 if _EMOJI.search(cluster) else sum(_char_weight(c) for c in cluster)


def weighted_length(text: str) -> int:
    """X's count of a post: NFC first, as twitter-text does, links at 23, emoji sequences at 2."""
    return sum(weight for _, weight in _units(unicodedata.normalize("NFC", text)))


def truncate(text: str, limit: int = MAX_WEIGHTED_LENGTH) -> str:
    """The `text` X shows for a long post: a prefix within `limit` ending in an ellipsis, never cutting a
    link or an emoji sequence."""
    if weighted_length(text) <= limit:
        return text
    budget = limit - 1
    out: list[str] = []
    used = 0
    for piece, weight in _units(text):
        if used + weight > budget:
            break
        out.append(piece)
        used += weight
    return "".join(out).rstrip() + "…"


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    username: str


@dataclass(frozen=True)
class Link:
    start: int
    end: int
    url: str


@dataclass(frozen=True)
class Hashtag:
    start: int
    end: int
    tag: str


def mentions(text: str) -> list[Mention]:
    return [Mention(m.start(), m.end(), m.group(1)) for m in MENTION_RE.finditer(text)]


def links(text: str) -> list[Link]:
    return [Link(m.start(), m.end(), m.group(0)) for m in TCO_RE.finditer(text)]


def raw_links(text: str) -> list[Link]:
    """Links as typed (DMs keep them unwrapped)."""
    out = []
    for m in URL_RE.finditer(text):
        url = m.group(0).rstrip(_TRAILING_PUNCTUATION)
        out.append(Link(m.start(), m.start() + len(url), url))
    return out


def hashtags(text: str) -> list[Hashtag]:
    return [Hashtag(m.start(), m.end(), m.group(1)) for m in HASHTAG_RE.finditer(text)]


def _words(spaced: str) -> list[str]:
    return spaced.split()


_STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset(_words("the and is are you your my to of in for it not with this that was have where")),
    "es": frozenset(_words("el la los las de que y en es mi por para con no una un pero dónde donde está")),
    "fr": frozenset(_words("le la les de et est je vous mon ma pour pas une un avec dans où mais très")),
    "de": frozenset(_words("der die das und ist ich nicht mein meine ein eine mit für wo warum bitte")),
    "pt": frozenset(_words("o a os as de que e é não meu minha para com um uma onde por está você")),
    "it": frozenset(_words("il la di che e è non mio mia per con un una dove perché sono della")),
    "nl": frozenset(_words("de het een en is ik niet mijn voor met waar waarom van dat")),
}
_WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)


def guess_language(text: str) -> str:
    """A BCP47 tag like X's `lang`, including X's codes for posts with no linguistic content."""
    stripped = TCO_RE.sub(" ", text)
    only_mentions = MENTION_RE.sub(" ", stripped)
    only_hashtags = HASHTAG_RE.sub(" ", only_mentions)
    if not _WORD_RE.search(only_hashtags):
        if MENTION_RE.search(stripped) and not HASHTAG_RE.search(stripped):
            return "qam"  # mentions only
        if HASHTAG_RE.search(stripped):
            return "qht"  # hashtags only
        return "zxx"  # links, emoji or nothing
    body = only_mentions
    for pattern, lang in (
        (r"[\u3040-\u30ff]", "ja"),
        (r"[\uac00-\ud7af]", "ko"),
        (r"[\u4e00-\u9fff]", "zh"),
        (r"[\u0600-\u06ff]", "ar"),
        (r"[\u0590-\u05ff]", "iw"),
        (r"[\u0400-\u04ff]", "ru"),
        (r"[\u0e00-\u0e7f]", "th"),
        (r"[\u0900-\u097f]", "hi"),
        (r"[\u0370-\u03ff]", "el"),
    ):
        if re.search(pattern, body):
            return lang
    words = [w.lower() for w in _WORD_RE.findall(body)]
    scores = {lang: sum(w in vocab for w in words) for lang, vocab in _STOPWORDS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    if scores[best] == 0:
        return "en" if words else "und"
    return best
