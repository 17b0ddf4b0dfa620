"""Seeded fault injection: latency, 5xx, 429 and dropped connections, reproducible from the seed.

Each decision is a pure function of (seed, rule index, how many requests that rule has matched), so
the same seed and the same request sequence give the same faults, whatever other traffic does.
"""

from __future__ import annotations

import fnmatch
import hashlib
from collections.abc import Collection
from dataclasses import asdict, dataclass
from typing import Any, Literal

Action = Literal["none", "error", "rate_limit", "drop"]
ERROR_STATUSES = (500, 503)


@dataclass(frozen=True)
class FaultRule:
    # "*", an operation name glob ("getUsersMentions"), a path glob ("/2/users/*/mentions"),
    # or a method and a path glob ("GET /2/users/*/mentions").
    match: str = "*"
    # Only requests that carry this query parameter ("until_id": a client's time-window queries), so a
    # test can fail the windows that fill a gap and not the reads that find it. Empty: every request.
    with_param: str = ""
    latency_ms: int = 0
    latency_p: float = 0.0
    error_p: float = 0.0
    error_statuses: tuple[int, ...] = ERROR_STATUSES
    rate_limit_p: float = 0.0
    drop_p: float = 0.0

    def __post_init__(self) -> None:
        for name in ("latency_p", "error_p", "rate_limit_p", "drop_p"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be a probability between 0 and 1, got {value}")
        if self.latency_ms < 0:
            raise ValueError("latency_ms must not be negative")
        if not self.error_statuses or any(not 500 <= s <= 599 for s in self.error_statuses):
            raise ValueError("error_statuses must be 5xx codes")

    def matches(self, endpoint: str, method: str, path: str, params: Collection[str] = ()) -> bool:
        if self.with_param and self.with_param not in params:
            return False
        pattern = self.match.strip()
        if pattern in ("", "*"):
            return True
        if " " in pattern:
            want_method, _, path_glob = pattern.partition(" ")
            return want_method.upper() == method.upper() and fnmatch.fnmatchcase(path, path_glob.strip())
        if pattern.startswith("/"):
            return fnmatch.fnmatchcase(path, pattern)
        return fnmatch.fnmatchcase(endpoint, pattern)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> FaultRule:
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(raw) - known
        if unknown:
            raise ValueError(f"unknown fault rule fields: {sorted(unknown)}; known: {sorted(known)}")
        values = dict(raw)
        if "error_statuses" in values:
            values["error_statuses"] = tuple(int(s) for s in values["error_statuses"])
        return cls(**values)

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["error_statuses"] = list(self.error_statuses)
        return out


@dataclass(frozen=True)
class FaultDecision:
    action: Action = "none"
    status: int | None = None
    latency_ms: int = 0
    rule: int | None = None


class FaultInjector:
    def __init__(self, seed: int | None = None) -> None:
        self.seed = seed or 0
        self.rules: list[FaultRule] = []
        self._matched: list[int] = []
        self.injected: dict[str, int] = {"latency": 0, "error": 0, "rate_limit": 0, "drop": 0}

    def configure(self, seed: int | None, rules: list[FaultRule]) -> None:
        """Replace the rules; counters restart, so the sequence replays from its beginning."""
        self.seed = self.seed if seed is None else seed
        self.rules = list(rules)
        self._matched = [0] * len(self.rules)
        self.injected = dict.fromkeys(self.injected, 0)

    def _uniform(self, rule: int, n: int, kind: str) -> float:
        digest = hashlib.sha256(f"{self.seed}|{rule}|{n}|{kind}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    def decide(self, endpoint: str, method: str, path: str, params: Collection[str] = ()) -> FaultDecision:
        """`params`: the names of the request's query parameters."""
        for index, rule in enumerate(self.rules):
            if not rule.matches(endpoint, method, path, params):
                continue
            self._matched[index] += 1
            n = self._matched[index]
            latency = rule.latency_ms if self._uniform(index, n, "latency") < rule.latency_p else 0
            if latency:
                self.injected["latency"] += 1
            if self._uniform(index, n, "drop") < rule.drop_p:
                self.injected["drop"] += 1
                return FaultDecision("drop", None, latency, index)
            if self._uniform(index, n, "error") < rule.error_p:
                pick = int(self._uniform(index, n, "status") * len(rule.error_statuses))
                self.injected["error"] += 1
                return FaultDecision("error", rule.error_statuses[pick], latency, index)
            if self._uniform(index, n, "rate_limit") < rule.rate_limit_p:
                self.injected["rate_limit"] += 1
                return FaultDecision("rate_limit", 429, latency, index)
            return FaultDecision("none", None, latency, index)
        return FaultDecision()

    def as_json(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "rules": [r.as_json() for r in self.rules],
            "matched": list(self._matched),
            "injected": dict(self.injected),
        }
