"""Text normalisation and the n-gram analysers shared by training and inference.

Training (carebird_ops.training) hands these same functions to scikit-learn as analysers, and the
runtime model (carebird.classifier.textmodel) calls them directly, so a term means the same thing on
both sides and the exported vocabulary is all inference needs.
"""

from __future__ import annotations

import html
import re

URL_TOKEN = "_url_"
MENTION_TOKEN = "_at_"

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"@\w+")
_ELONGATED = re.compile(r"(\w)\1{2,}")  # "soooo" and "sooo" become one term: "soo"
_SPACE = re.compile(r"\s+")

# Emoticons and emoji are kept as tokens: they carry much of a tweet's sentiment.
_EMOTICON = r"(?:[:;=8][\-o*']?[)\](\[dDpP/\\|@3]|[)\](\[][\-o*']?[:;=8]|<3)"
_EMOJI = "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff]"
_TOKEN = re.compile(rf"{_EMOTICON}|{_EMOJI}|#?\w[\w']*|[!?]+|[.,;:]")
_CLAUSE_END = frozenset(".,;:")

# A negation flips the words after it until the end of the clause ("not happy" is not "happy").
_NEGATIONS = frozenset(
    {
        "not", "no", "never", "nothing", "nobody", "none", "nor", "cannot", "can't", "cant", "won't", "wont",
        "don't", "dont", "didn't", "didnt", "isn't", "isnt", "wasn't", "wasnt", "aren't", "arent", "doesn't",
        "doesnt", "haven't", "havent", "hasn't", "hasnt", "couldn't", "couldnt", "wouldn't", "wouldnt",
        "shouldn't", "shouldnt", "n't",
    }
)  # fmt: skip
NEGATED_SUFFIX = "_neg"


def normalise(text: str) -> str:
    """Unescape HTML, fold URLs and @mentions to placeholders, shorten elongations, collapse spaces.

    Mentions are folded because the brand's own handle says nothing about the customer's message.
    """
    text = html.unescape(text).replace("\u2019", "'").replace("\x00", " ")
    text = _URL.sub(f" {URL_TOKEN} ", text)
    text = _MENTION.sub(f" {MENTION_TOKEN} ", text)
    text = _ELONGATED.sub(r"\1\1", text)
    return _SPACE.sub(" ", text).strip()


def word_tokens(text: str) -> list[str]:
    """Lower-cased tokens of normalised text, with negated words marked by NEGATED_SUFFIX."""
    out: list[str] = []
    negated = False
    for match in _TOKEN.finditer(text.lower()):
        token = match.group(0)
        if token in _CLAUSE_END or token[0] in "!?":
            negated = False
            out.append(token[:2])
            continue
        out.append(token + NEGATED_SUFFIX if negated else token)
        if token in _NEGATIONS:
            negated = True
    return out


def word_ngrams(text: str, max_n: int = 2) -> list[str]:
    """Word 1..max_n-grams of a raw text (normalised here)."""
    return word_ngrams_of_normalised(normalise(text), max_n)


def word_ngrams_of_normalised(text: str, max_n: int) -> list[str]:
    tokens = word_tokens(text)
    grams = list(tokens)
    for n in range(2, max_n + 1):
        grams.extend([" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)])
    return grams


def char_ngrams(text: str, min_n: int = 2, max_n: int = 5) -> list[str]:
    """Character n-grams inside word boundaries (each word padded with a space) of a raw text."""
    return char_ngrams_of_normalised(normalise(text), min_n, max_n)


def char_ngrams_of_normalised(text: str, min_n: int, max_n: int) -> list[str]:
    grams: list[str] = []
    for word in text.lower().split(" "):
        if not word:
            continue
        padded = f" {word} "
        size = len(padded)
        for n in range(min_n, min(max_n, size) + 1):
            grams.extend([padded[i : i + n] for i in range(size - n + 1)])
    return grams
