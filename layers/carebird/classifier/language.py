"""A small language detector: the script for non-Latin languages, common function words for Latin ones.

Good enough to route by language (en, es, fr, de, pt, it, nl, ja, zh, ko, ar, ru, ...) when X does not say.
"""

from __future__ import annotations

import re

# Scripts that identify a language (or nearly: Cyrillic is reported as Russian, Arabic script as Arabic).
_SCRIPTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ja", re.compile("[\u3040-\u30ff]")),  # hiragana/katakana: Japanese even when mixed with kanji
    ("ko", re.compile("[\uac00-\ud7af\u1100-\u11ff]")),
    ("zh", re.compile("[\u4e00-\u9fff]")),
    ("ar", re.compile("[\u0600-\u06ff]")),
    ("he", re.compile("[\u0590-\u05ff]")),
    ("ru", re.compile("[\u0400-\u04ff]")),
    ("el", re.compile("[\u0370-\u03ff]")),
    ("th", re.compile("[\u0e00-\u0e7f]")),
    ("hi", re.compile("[\u0900-\u097f]")),
)


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": _wordset(
        "the and is are was were to of in for on my you your i it this that with have has not but be "
        "me we our they can can't don't what why how when please thanks just at from no"
    ),
    "es": _wordset(
        "el la los las de del que y en un una es por para con no mi su se lo al muy pero como más "
        "estoy está gracias hola vuelo qué por favor"
    ),
    "fr": _wordset(
        "le la les des de du et est un une que qui pour pas avec mon ma mes je vous nous dans sur "
        "ce cette merci bonjour très mais au aux"
    ),
    "de": _wordset(
        "der die das und ist nicht ich ein eine mit zu den dem von für auf mein meine sie wir es "
        "bitte danke aber noch kein wie was"
    ),
    "pt": _wordset(
        "o a os as de do da e é um uma que não em no na para com meu minha por você obrigado "
        "obrigada muito mas voo está"
    ),
    "it": _wordset(
        "il lo la gli le di del della e è un una che non per con mio mia sono ho grazie ciao molto "
        "ma volo questo"
    ),
    "nl": _wordset(
        "de het een en is niet ik van op voor met mijn je wij we zijn dat dit maar bedankt graag vlucht nog"
    ),
}
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_NOISE = re.compile(r"https?://\S+|www\.\S+|[@#]\w+")

# X's codes that mean "no language" rather than a language.
X_NO_LANGUAGE = frozenset({"und", "zxx", "qme", "qam", "qct", "qht", "qst", "art"})


def detect_language(text: str) -> tuple[str | None, float, str]:
    """(ISO 639-1 code or None, confidence, reason) for the text alone."""
    text = _NOISE.sub(" ", text)
    letters = sum(map(str.isalpha, text))
    if not letters:
        return None, 0.0, "no words to tell the language by"
    if not text.isascii():
        for code, pattern in _SCRIPTS:
            found = len(pattern.findall(text))
            if found and found >= 0.3 * letters:
                return code, min(0.95, 0.6 + found / letters / 2), f"{code} script"
    words = [w.lower() for w in _WORD.findall(text)]
    hits = {code: sum(1 for w in words if w in vocab) for code, vocab in _FUNCTION_WORDS.items()}
    ranked = sorted(hits.items(), key=lambda item: item[1], reverse=True)
    (best, best_hits), (_, second_hits) = ranked[0], ranked[1]
    if best_hits == 0:
        return None, 0.0, "no common words of a known language"
    margin = (best_hits - second_hits) / best_hits
    confidence = min(0.95, 0.35 + 0.1 * best_hits) * (0.5 + 0.5 * margin)
    return best, round(confidence, 3), f"{best_hits} common {best} words"


def resolve_language(text: str, x_lang: str | None) -> tuple[str | None, float, str]:
    """X's language when it names one (it sees more than the text), the detector's otherwise."""
    if x_lang and x_lang.lower() not in X_NO_LANGUAGE:
        reported = x_lang.lower().split("-")[0]
        return reported, 0.9, f"language {reported} as reported by X"
    code, confidence, why = detect_language(text)
    return code, confidence, f"language {code or 'unknown'}: {why}"
