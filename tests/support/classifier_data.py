"""Small labelled data for the classifier's tests, made here: they need nothing from outside the repo."""

from __future__ import annotations

import random

# Each topic has its own words; fillers are shared, so a model must find the topic words to separate them.
TOPICS: dict[str, list[str]] = {
    "baggage": [
        "my bag is lost",
        "suitcase arrived damaged",
        "luggage missing at the carousel",
        "where is my bag",
    ],
    "refunds": [
        "I want a refund",
        "refund my ticket",
        "charged twice please refund",
        "money back for the fare",
    ],
    "praise": ["thank you so much", "great crew today", "love this airline", "awesome service thanks"],
}
FILLERS = [
    "today",
    "again",
    "please",
    "seriously",
    "flight 123",
    "at the airport",
    "this morning",
    "@airline",
]


def make_examples(
    n_per_topic: int, seed: int, topics: dict[str, list[str]] = TOPICS
) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    texts: list[str] = []
    labels: list[str] = []
    for label, phrases in topics.items():
        for _ in range(n_per_topic):
            words = [rng.choice(phrases), rng.choice(FILLERS), rng.choice(FILLERS)]
            rng.shuffle(words)
            texts.append(" ".join(words))
            labels.append(label)
    order = list(range(len(texts)))
    rng.shuffle(order)
    return [texts[i] for i in order], [labels[i] for i in order]
