"""What a handler module does while Lambda imports it (a cold start's init phase).

A handler imports its code inside `loading()`:

    from carebird import coldstart

    with coldstart.loading():
        from carebird.observability import logger
        ...

An import builds modules, classes, functions, compiled patterns and pydantic's schemas: tens of thousands
of objects that live as long as the sandbox. The cyclic garbage collector's passes over them while they
are built free nothing (about 200 KB of the agent API's import is garbage in cycles), and took 10-15% of a
handler's import (make bench-coldstart: 40-50 ms of the agent API's). So the collector waits while the
code loads, and `gc.freeze()` then moves what was loaded to the permanent generation: no later collection,
in any invocation, walks it again. The few cycles the import left unreferenced stay with it.
(carebird.classifier.textmodel holds the collector the same way while it builds a model's vocabulary.)
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def loading() -> Iterator[None]:
    """Hold the garbage collector while the block imports a handler's code; freeze what it loaded."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if collecting:
            gc.enable()
