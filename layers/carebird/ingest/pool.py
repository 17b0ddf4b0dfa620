"""The threads that store messages and start triage concurrently: DynamoDB's latency, not X, would
otherwise bound the pace of a burst. Long-lived: a warm container's runs share one pool."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")


class WritePool:
    def __init__(self, concurrency: int) -> None:
        self._concurrency = concurrency
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def run(
        self, tasks: Sequence[Callable[[], T]], meanwhile: Callable[[], float | None] | None = None
    ) -> list[T]:
        """Run `tasks` on the pool and return their results in order, after all have finished; the
        first failure is raised then. With a concurrency of 1 they simply run one after another.

        While tasks are in the pool, this thread calls `meanwhile` (which returns how many seconds until
        it wants calling again, or None for never), so that work on a schedule is not held up by them.
        Every task's result is awaited either way: nothing written is left unaccounted for."""
        if self._concurrency <= 1 or not tasks or (len(tasks) == 1 and meanwhile is None):
            return [task() for task in tasks]
        with self._lock:
            if self._pool is None:  # kept for the warm container's next invocations
                self._pool = ThreadPoolExecutor(self._concurrency, thread_name_prefix="ingest")
            pool = self._pool
        futures = [pool.submit(task) for task in tasks]
        unfinished = set(futures)
        while meanwhile is not None and unfinished:
            pause = meanwhile()
            if pause is None:
                break
            _, unfinished = wait(unfinished, timeout=pause, return_when=FIRST_EXCEPTION)
            if any(f.done() and f.exception() is not None for f in futures):
                break
        wait(futures)
        return [f.result() for f in futures]
