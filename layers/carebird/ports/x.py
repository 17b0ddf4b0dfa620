"""Typed failures of the X API: part of the contract of every port that talks to X.

Adapters (`carebird.adapters.x`) translate HTTP outcomes into these; domain logic and workflows decide
what to do by type (the triage and reply workflows retry `TransientXError` and never spin on `XRateLimited`).
"""

from __future__ import annotations

from datetime import datetime

from carebird.moments import readable


class XError(Exception):
    """Any failure to get an answer from X."""


class XRateLimited(XError):
    """429: the token's window is used up. Nothing may call X for this token before `reset_at`."""

    def __init__(self, reset_at: datetime, message: str = "X rate limit exhausted") -> None:
        super().__init__(f"{message}; resets at {readable(reset_at)}")
        self.reset_at = reset_at


class TransientXError(XError):
    """5xx, connection failure or timeout: the same request may succeed later."""


class XAuthError(XError):
    """401/403, or credentials that are missing or malformed: a person has to fix the brand's secret."""


class XBadRequest(XError):
    """Any other 4xx: the request itself is wrong (unknown user id, invalid parameter)."""
