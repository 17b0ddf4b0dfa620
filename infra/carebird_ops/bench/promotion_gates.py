"""Candidate gates on the time-critical promotion, measured on the dev split (`make bench-triage-quality`
with `--gates`): what each would do to positive tweets at P2+ and to complaints, before any is kept.

A time-critical message is floored at P2 (carebird.classifier.priority). Each gate here would take that
promotion from a message that asks nothing (no "?", question word, plea, first-person request or DM ask)
and carries no sarcasm marker, when a sentiment signal reads it positive: VADER's compound with no word
it scores negative, the classifier's own reading, or a brand model's probability of "positive". For every
tweet the benchmark keeps the level the router gives it and the level it would give it without the
promotion (the stored classification re-scored with `time_critical` false), so a gate's effect is exact,
not estimated: positive tweets and complaints at P2+ after it, the lowest of the five time-critical
reasons, and how many tweets of each kind it takes off P2+. None of these gates is in the product
(README, "Triage quality", round 4): the first that moves any positive tweet moves more complaints.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from carebird.classifier.vocabulary import (
    BUT,
    HASHTAG,
    MENTION,
    PLEA_TERMS,
    QUESTION_TERMS,
    REQUEST,
    SARCASM,
    URL,
    Words,
)

HIGH = ("P1", "P2")


@dataclass(frozen=True)
class GateSignals:
    """What a gate reads from one message and its stored classification."""

    asks: bool  # a "?", a question word, a plea, a first-person request or a DM ask
    sarcasm: bool
    but: bool  # "but", "however", "though", "still"...
    compound: float  # VADER's compound score of the text without links and mentions
    negative_word: bool  # VADER found a word it scores negative
    reading: str  # the classifier's sentiment label
    praise_chance: float | None  # a brand model's probability of "positive" (None: no model)


@dataclass(frozen=True)
class Gate:
    name: str
    applies: Callable[[GateSignals], bool]


def _glad(at: float) -> Callable[[GateSignals], bool]:
    return lambda s: s.compound >= at and not s.negative_word and not s.but


GATES: tuple[Gate, ...] = (
    *(Gate(f"lexicon >= {at}, no negative word, no but", _glad(at)) for at in (0.7, 0.5, 0.4, 0.3)),
    Gate("the classifier reads it positive", lambda s: s.reading == "positive"),
    Gate("the classifier does not read it negative", lambda s: s.reading != "negative"),
    Gate("model P(positive) >= 0.2", lambda s: s.praise_chance is not None and s.praise_chance >= 0.2),
    Gate(
        "model P(positive) >= 0.1 and lexicon >= 0.5, no negative word, no but",
        lambda s: s.praise_chance is not None and s.praise_chance >= 0.1 and _glad(0.5)(s),
    ),
)


@functools.cache
def _vader() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def gate_signals(text: str, classification: Mapping[str, Any], praise_chance: float | None) -> GateSignals:
    content = HASHTAG.sub(lambda m: m.group(0)[1:], MENTION.sub(" ", URL.sub(" ", text))).strip()
    words = Words(content)
    scores = _vader().polarity_scores(content)
    wants_dm = bool((classification.get("wants_dm") or {}).get("value"))
    return GateSignals(
        asks="?" in text
        or bool(words.find(QUESTION_TERMS) or words.find(PLEA_TERMS) or REQUEST.search(content))
        or wants_dm,
        sarcasm=bool(SARCASM.search(text)),
        but=bool(BUT.search(content)),
        compound=float(scores["compound"]),
        negative_word=scores["neg"] > 0,
        reading=str((classification.get("sentiment") or {}).get("label", "neutral")),
        praise_chance=praise_chance,
    )


def fired(signals: GateSignals) -> tuple[bool, ...]:
    """Which gates would take the promotion from this message (every gate needs it to ask nothing and
    to carry no sarcasm marker)."""
    quiet = not (signals.asks or signals.sarcasm)
    return tuple(quiet and gate.applies(signals) for gate in GATES)


@dataclass(frozen=True)
class GateRow:
    """One tweet: its label, its complaint reason, whether it is at P2+ now, whether it would be without
    the time-critical promotion, and which gates fire on it."""

    truth: str
    reason: str
    high: bool
    high_without_promotion: bool
    fired: tuple[bool, ...]


@dataclass(frozen=True)
class GateFigures:
    positive_high: int
    positives: int
    lowest: tuple[float, str]  # the lowest time-critical reason's share at P2+, and its name
    moved_positive: int
    moved_complaints: int


def figures(rows: Sequence[GateRow], gate: int | None, reasons: Sequence[str]) -> GateFigures:
    """The figures with gate number `gate` applied (None: as the product decides today)."""

    def high(row: GateRow) -> bool:
        return row.high_without_promotion if gate is not None and row.fired[gate] else row.high

    positives = [r for r in rows if r.truth == "positive"]
    shares = []
    for reason in reasons:
        of_reason = [r for r in rows if r.truth == "negative" and r.reason == reason]
        if of_reason:
            shares.append((sum(map(high, of_reason)) / len(of_reason), reason))
    moved = [r for r in rows if r.high and not high(r)]
    return GateFigures(
        positive_high=sum(map(high, positives)),
        positives=len(positives),
        lowest=min(shares) if shares else (1.0, "-"),
        moved_positive=sum(r.truth == "positive" for r in moved),
        moved_complaints=sum(r.truth == "negative" for r in moved),
    )


def print_gates(
    system: str, tuning: Sequence[GateRow], held_out: Sequence[GateRow], reasons: Sequence[str]
) -> None:
    print(
        f"\ncandidate gates on the time-critical promotion ({system}; each only for a message that asks "
        "nothing and has no sarcasm marker; none is in the product):"
    )
    header = (
        "gate",
        "tuning: positive at P2+",
        "lowest time-critical",
        "moved off P2+: positive / complaints",
        "held out: positive at P2+",
        "lowest",
    )
    lines = [header]
    for number, name in [(None, "none (the product today)"), *enumerate(g.name for g in GATES)]:
        tuned, held = figures(tuning, number, reasons), figures(held_out, number, reasons)
        lines.append(
            (
                name,
                _count(tuned.positive_high, tuned.positives),
                f"{100 * tuned.lowest[0]:.1f}% {tuned.lowest[1]}",
                f"{tuned.moved_positive} / {tuned.moved_complaints}",
                _count(held.positive_high, held.positives),
                f"{100 * held.lowest[0]:.1f}% {held.lowest[1]}",
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for line in lines:
        print(
            "  ".join(
                c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(line, widths, strict=True))
            )
        )


def _count(part: int, whole: int) -> str:
    return f"{part} ({100 * part / whole:.1f}%)" if whole else "-"
