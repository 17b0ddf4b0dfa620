"""A moment as people read it in carebird's texts (a decision's reason, a notification, an error).

`2026-12-07 10:11:31 UTC`: UTC, to the second, the same for every reader wherever their desk is (the
inbox shows each decision's own time in the reader's zone beside it). Machine-read values (keys, decision
values, API fields) stay ISO 8601.
"""

from __future__ import annotations

from datetime import UTC, datetime


def readable(at: datetime) -> str:
    """`at` in UTC to the second; a naive `at` is taken as UTC."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
