"""Which mentions are noise: stored for the record, never turned into work for an agent."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from carebird.brands import Brand
from carebird.ingest.model import Mention, SkipReason

_URL = re.compile(r"https?://\S+")
_HANDLE = re.compile(r"(?<!\w)@\w+")
_SPACE = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """Text reduced to what a reader sees as "the same message".

    X gives every posted link a fresh t.co URL and replies carry varying @-prefixes, so both are
    dropped; case, Unicode compatibility forms and whitespace runs are folded too.
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _URL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def text_fingerprint(text: str) -> str:
    return hashlib.sha256(normalise_text(text).encode()).hexdigest()[:32]


def obvious_noise(mention: Mention, brand: Brand) -> SkipReason | None:
    """Noise decidable from the post alone. Repeats need history, see IngestStore.claim_text."""
    if mention.author.id == brand.user_id:
        return SkipReason.OWN_POST
    if mention.is_retweet:
        return SkipReason.RETWEET
    return None
