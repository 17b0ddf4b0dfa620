"""Emulator time: wall time shifted by an offset, or frozen. Tests move it instead of sleeping."""

from __future__ import annotations

import threading
import time


class Clock:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = 0.0
        self._frozen_at: float | None = None

    def now(self) -> float:
        """Seconds since the epoch, as the emulator sees them."""
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return time.time() + self._offset

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def set(self, epoch: float, *, freeze: bool | None = None) -> None:
        with self._lock:
            keep_frozen = self._frozen_at is not None if freeze is None else freeze
            if keep_frozen:
                self._frozen_at = epoch
            else:
                self._frozen_at = None
                self._offset = epoch - time.time()

    def advance(self, seconds: float) -> None:
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += seconds
            else:
                self._offset += seconds

    def freeze(self) -> None:
        self.set(self.now(), freeze=True)

    def unfreeze(self) -> None:
        self.set(self.now(), freeze=False)

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0
            self._frozen_at = None
