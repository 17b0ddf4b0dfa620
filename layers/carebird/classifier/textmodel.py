"""A trained text classifier, run in pure Python from its exported artifact.

The artifact is a gzip-compressed JSON document (see `TextModel.to_bytes` for the layout). Its large
arrays are little-endian float32 packed as base64, so loading is a decompression, one JSON parse and a
few `array.frombytes` calls: no numpy, no scikit-learn, a few tens of milliseconds.

Scoring mirrors the scikit-learn pipeline it was trained with: for each block of n-grams (words, then
characters), tf = 1 + ln(count), times the term's idf, the block L2-normalised and scaled by its weight;
a linear score per class; softmax of score / temperature gives the confidence. The label is the class with
the highest score. The sums run through `map` over arrays, so a tweet takes a few hundred microseconds.
"""

from __future__ import annotations

import base64
import gc
import gzip
import json
import math
import sys
from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter, mul
from typing import Any

from carebird.classifier.text import char_ngrams_of_normalised, normalise, word_ngrams_of_normalised


def _dot_fallback(a: Sequence[float], b: Sequence[float]) -> float:
    return sum(map(mul, a, b))


# math.sumprod (Python 3.12, the Lambda runtime) skips the intermediate products; 3.11 sums them.
_dot: Callable[[Sequence[float], Sequence[float]], float] = getattr(math, "sumprod", _dot_fallback)

FORMAT = "carebird.text-model"
FORMAT_VERSION = 1


class InvalidModel(ValueError):
    """An artifact that is not a carebird text model, or is damaged; the message says which part."""


def pack_floats(values: Sequence[float]) -> str:
    data = array("f", values)
    if sys.byteorder == "big":
        data.byteswap()
    return base64.b64encode(data.tobytes()).decode("ascii")


def unpack_floats(text: str, expected: int, what: str) -> array[float]:
    data = array("f")
    try:
        data.frombytes(base64.b64decode(text, validate=True))
    except (ValueError, TypeError) as exc:
        raise InvalidModel(f"{what}: not base64 float32 data ({exc})") from None
    if sys.byteorder == "big":
        data.byteswap()
    if len(data) != expected:
        raise InvalidModel(f"{what}: {len(data)} values, expected {expected}")
    return data


# Character n-gram columns are cached per word (words repeat across messages); the cache stops growing here.
_WORD_CACHE_LIMIT = 100_000


@dataclass(frozen=True)
class NgramBlock:
    """One family of n-grams: its vocabulary (term -> column), idf per column and the block's weight."""

    kind: str  # "word" (1..max_n word grams) or "char" (min_n..max_n character grams within words)
    min_n: int
    max_n: int
    terms: tuple[str, ...]
    idf: array[float]
    weight: float = 1.0
    index: dict[str, int] = field(init=False, repr=False, compare=False)
    _char_cache: dict[str, list[int]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", dict(zip(self.terms, range(len(self.terms)), strict=True)))
        object.__setattr__(self, "_char_cache", {})

    def columns(self, normalised_text: str) -> list[int | None]:
        """The vocabulary column of each of the text's n-grams (None for an n-gram not in it)."""
        if self.kind == "word":
            return list(map(self.index.get, word_ngrams_of_normalised(normalised_text, self.max_n)))
        out: list[int | None] = []
        cache = self._char_cache
        for word in normalised_text.lower().split(" "):
            cols = cache.get(word)
            if cols is None:
                grams = char_ngrams_of_normalised(word, self.min_n, self.max_n)
                cols = [c for c in map(self.index.get, grams) if c is not None]
                if len(cache) < _WORD_CACHE_LIMIT:
                    cache[word] = cols
            out.extend(cols)
        return out

    def vector(self, normalised_text: str) -> tuple[list[int], list[float], float]:
        """The text's columns in this block, their tf * idf, and the factor (weight / L2 norm) that
        scikit-learn's normalisation applies to all of them (0.0 when no term is in the vocabulary)."""
        counts = Counter(self.columns(normalised_text))
        counts.pop(None, None)
        columns: list[int] = list(counts)  # type: ignore[arg-type]
        tf = [1.0 if n == 1 else 1.0 + math.log(n) for n in counts.values()]
        values = list(map(mul, tf, map(self.idf.__getitem__, columns)))
        norm = math.sqrt(sum(map(mul, values, values)))
        return columns, values, (self.weight / norm if norm else 0.0)


@dataclass(frozen=True)
class Prediction:
    label: str
    confidence: float
    probabilities: dict[str, float]


@dataclass(frozen=True)
class TextModel:
    """Linear classifier over n-gram tf-idf blocks. `weights[k * features + f]` is class k, feature f."""

    target: str  # what the labels are: "sentiment" or "skill"
    classes: tuple[str, ...]
    blocks: tuple[NgramBlock, ...]
    weights: array[float]
    intercept: tuple[float, ...]
    temperature: float = 1.0
    info: dict[str, Any] = field(default_factory=dict)
    # Per block, per class: that block's slice of the class's weights (sliced once, at load).
    _slices: tuple[tuple[array[float], ...], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        features = sum(len(b.terms) for b in self.blocks)
        if len(self.weights) != features * len(self.classes):
            raise InvalidModel(f"weights: {len(self.weights)} values for {features} features")
        if len(self.intercept) != len(self.classes) or len(self.classes) < 2:
            raise InvalidModel("classes and intercept must match and name at least two classes")
        if not self.temperature > 0:
            raise InvalidModel("temperature must be positive")
        slices = []
        offset = 0
        for block in self.blocks:
            start = [k * features + offset for k in range(len(self.classes))]
            slices.append(tuple(self.weights[s : s + len(block.terms)] for s in start))
            offset += len(block.terms)
        object.__setattr__(self, "_slices", tuple(slices))

    def scores(self, text: str) -> list[float]:
        """The linear decision score of each class (what scikit-learn's decision_function returns)."""
        normalised = normalise(text)
        scores = list(self.intercept)
        for block, class_weights in zip(self.blocks, self._slices, strict=True):
            columns, values, scale = block.vector(normalised)
            if not scale:
                continue
            # One C-level gather per class (itemgetter) and one C-level dot product (sumprod).
            gather = itemgetter(*columns) if len(columns) > 1 else lambda w, c=columns[0]: (w[c],)
            for k, weights in enumerate(class_weights):
                scores[k] += scale * _dot(values, gather(weights))
        return scores

    def predict(self, text: str) -> Prediction:
        scores = self.scores(text)
        top = max(scores)
        exps = [math.exp((s - top) / self.temperature) for s in scores]
        total = sum(exps)
        probabilities = {label: e / total for label, e in zip(self.classes, exps, strict=True)}
        best = scores.index(top)
        return Prediction(self.classes[best], probabilities[self.classes[best]], probabilities)

    # ------------------------------------------------------------------ artifact
    def to_bytes(self) -> bytes:
        """The artifact: gzip of a JSON object.

        {"format": "carebird.text-model", "version": 1, "target": str, "classes": [str, ...],
         "blocks": [{"kind": "word"|"char", "min_n": int, "max_n": int, "weight": float,
                     "terms": "term\\nterm...", "idf": base64 float32[len(terms)]}, ...],
         "weights": base64 float32[classes * features] (class-major; features in block order),
         "intercept": [float, ...],
         "temperature": float, "info": {...how it was trained and measured...}}
        """
        doc = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "target": self.target,
            "classes": list(self.classes),
            "blocks": [
                {
                    "kind": b.kind,
                    "min_n": b.min_n,
                    "max_n": b.max_n,
                    "weight": b.weight,
                    "terms": "\n".join(b.terms),
                    "idf": pack_floats(b.idf),
                }
                for b in self.blocks
            ],
            "weights": pack_floats(self.weights),
            "intercept": list(self.intercept),
            "temperature": self.temperature,
            "info": self.info,
        }
        return gzip.compress(json.dumps(doc, ensure_ascii=False).encode("utf-8"), mtime=0)

    @classmethod
    def from_bytes(cls, data: bytes, source: str = "model") -> TextModel:
        """Read an artifact made by `to_bytes`. Raises InvalidModel, naming `source`, if it is not one."""
        # Building the vocabulary makes ~100k objects at once: in a process that already holds many,
        # the garbage collector's full passes would dominate the load time, and none of them is garbage.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return cls._from_bytes(data, source)
        finally:
            if collecting:
                gc.enable()

    @classmethod
    def _from_bytes(cls, data: bytes, source: str) -> TextModel:
        try:
            doc = json.loads(gzip.decompress(data))
        except (OSError, EOFError, ValueError) as exc:
            raise InvalidModel(f"{source}: not a gzip-compressed JSON model ({exc})") from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise InvalidModel(f"{source}: not a {FORMAT} artifact")
        if doc.get("version") != FORMAT_VERSION:
            raise InvalidModel(
                f"{source}: format version {doc.get('version')!r}, this code reads {FORMAT_VERSION}"
            )
        try:
            blocks = []
            for i, b in enumerate(doc["blocks"]):
                if b["kind"] not in ("word", "char"):
                    raise InvalidModel(f"{source}: block {i} has unknown kind {b['kind']!r}")
                terms = tuple(b["terms"].split("\n")) if b["terms"] else ()
                idf = unpack_floats(b["idf"], len(terms), f"{source}: block {i} idf")
                blocks.append(
                    NgramBlock(b["kind"], int(b["min_n"]), int(b["max_n"]), terms, idf, float(b["weight"]))
                )
            classes = tuple(str(c) for c in doc["classes"])
            features = sum(len(b.terms) for b in blocks)
            return cls(
                target=str(doc["target"]),
                classes=classes,
                blocks=tuple(blocks),
                weights=unpack_floats(doc["weights"], features * len(classes), f"{source}: weights"),
                intercept=tuple(float(v) for v in doc["intercept"]),
                temperature=float(doc.get("temperature", 1.0)),
                info=dict(doc.get("info") or {}),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise InvalidModel(f"{source}: missing or malformed field {exc}") from None
