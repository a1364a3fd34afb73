"""Helpers for work over many rows at once, where per-row overheads dominate."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_paused = 0  # blocks open now, in any thread or task
_resume = False  # whether the collector was on when the first of them opened


@contextmanager
def gc_paused() -> Iterator[None]:
    """Hold the cyclic garbage collector during a burst of short-lived objects (a batch
    of gradings or of imported rows, their rows and their encodings). They form no
    cycles, yet their number alone triggers collections that cost a third of a batch's
    CPU (each full collection walks the whole heap); the next collection after the block
    reclaims whatever needs it. Blocks may overlap (an import checks one chunk in a
    thread while it writes the previous one): the collector resumes when the last one
    closes. May span awaits: other tasks then also run without collections for those
    milliseconds, which only defers them."""
    global _paused, _resume
    with _lock:
        if _paused == 0:
            _resume = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _lock:
            _paused -= 1
            if _paused == 0 and _resume:
                gc.enable()
