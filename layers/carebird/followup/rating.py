"""Read a 1-5 satisfaction rating from whatever a customer writes back: digits, words, stars or emoji.

The parse is defined for every text:
- one rating, or the same rating several times ("5", "5/5", "five stars", "⭐⭐⭐⭐⭐", "4 🙂"): that rating;
- a correction ("5 stars lol no 1", "3... actually 4", "4, I mean 2"): the rating after the last
  correction word, because that is what the customer settled on;
- different ratings without a correction ("between 2 and 4"), or nothing that reads as a rating: no
  score, and the text is kept as it was written (`unparsed`), never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "uno": 1,
    "dos": 2,
    "tres": 3,
    "cuatro": 4,
    "cinco": 5,
}
_EMOJI = {
    "😡": 1, "😠": 1, "🤬": 1, "👎": 1, "😞": 2, "🙁": 2, "☹": 2, "😕": 2, "😐": 3, "😶": 3,
    "🙂": 4, "😊": 4, "👍": 4, "😀": 5, "😁": 5, "😍": 5, "🤩": 5, "🥰": 5, "❤": 5, "💯": 5,
}  # fmt: skip
_CORRECTIONS = ("no", "actually", "i mean", "wait", "sorry", "correction", "make that", "rather")
_STAR = "⭐"
_TOKEN = re.compile(
    r"(?P<unit_star>\b(?P<starred>[1-5])\s*" + _STAR + r"(?!" + _STAR + r"))"  # "5 ⭐": one star as the unit
    r"|(?P<fraction>\b(?P<num>[1-5])\s*/\s*5\b)"
    r"|(?P<digit>(?<![\d.,])\b[1-5]\b(?![.,]\d)(?!\s*/\s*(?:[0-46-9]|\d\d)))"
    r"|(?P<word>\b(?:" + "|".join(_WORDS) + r")\b)"
    r"|(?P<stars>" + _STAR + r"+)"
    r"|(?P<emoji>" + "|".join(map(re.escape, _EMOJI)) + r")"
    r"|(?P<correction>\b(?:" + "|".join(c.replace(" ", r"\s+") for c in _CORRECTIONS) + r")\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Rating:
    score: int | None  # 1..5, or None when the text gives no single rating
    text: str  # what the customer wrote, as written
    how: str  # "digit", "word", "stars", "emoji", "correction", "conflicting" or "none"

    @property
    def unparsed(self) -> bool:
        return self.score is None


def parse_rating(text: str) -> Rating:
    normalised = unicodedata.normalize("NFC", text).replace("\ufe0f", "")
    ratings: list[tuple[int, str]] = []
    corrected_at: int | None = None
    for match in _TOKEN.finditer(normalised):
        kind = match.lastgroup
        if kind == "correction":
            corrected_at = len(ratings)
        elif kind == "unit_star":
            ratings.append((int(match.group("starred")), "digit"))
        elif kind == "fraction":
            ratings.append((int(match.group("num")), "digit"))
        elif kind == "digit":
            ratings.append((int(match.group("digit")), "digit"))
        elif kind == "word":
            ratings.append((_WORDS[match.group("word").lower()], "word"))
        elif kind == "stars":
            count = len(match.group("stars"))
            if 1 <= count <= 5:
                ratings.append((count, "stars"))
        elif kind == "emoji":
            ratings.append((_EMOJI[match.group("emoji")], "emoji"))
    if not ratings:
        return Rating(None, text, "none")
    if corrected_at is not None and corrected_at < len(ratings):
        return Rating(ratings[-1][0], text, "correction")
    scores = {score for score, _ in ratings}
    if len(scores) == 1:
        return Rating(ratings[0][0], text, ratings[0][1])
    return Rating(None, text, "conflicting")
