"""Snowflake-like ids: numeric strings that grow with time, as X's post and DM event ids do."""

from __future__ import annotations

TWITTER_EPOCH_MS = 1288834974657
_SEQUENCE_BITS = 22  # X packs worker and sequence bits below the timestamp


def snowflake_floor(epoch_seconds: float) -> int:
    """The smallest id minted at `epoch_seconds`; usable as a since/until boundary."""
    return max(int(epoch_seconds * 1000) - TWITTER_EPOCH_MS, 0) << _SEQUENCE_BITS


def snowflake_time(snowflake: int) -> float:
    return ((snowflake >> _SEQUENCE_BITS) + TWITTER_EPOCH_MS) / 1000


class IdGenerator:
    """Unique ids; ids minted for "now" never go backwards, even if the emulator clock does."""

    def __init__(self) -> None:
        self._last_now_id = 0
        self._used: set[int] = set()
        self._next_at: dict[int, int] = {}  # first free id per backdated instant, so bursts stay linear

    def mint(self, now: float, *, at: float | None = None) -> int:
        if at is None:
            candidate = max(snowflake_floor(now) + 1, self._last_now_id + 1)
        else:
            # Backdated objects (seeded history) get ids from their own time, so id order stays time order.
            floor = snowflake_floor(at) + 1
            candidate = self._next_at.get(floor, floor)
        while candidate in self._used:
            candidate += 1
        self._used.add(candidate)
        if at is None:
            self._last_now_id = candidate
        else:
            self._next_at[floor] = candidate + 1
        return candidate

    def reset(self) -> None:
        self._last_now_id = 0
        self._used.clear()
        self._next_at.clear()
