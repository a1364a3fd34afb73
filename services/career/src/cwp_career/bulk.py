"""Helpers for work over many rows at once, where per-row overheads dominate."""

from __future__ import annotations

import gc
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

_VERSION_CLEAR = ~((0xF << 76) | (0x3 << 62))
_VERSION_SET = (0x7 << 76) | (0x2 << 62)  # version 7, RFC 4122 variant


def new_ids(n: int) -> list[uuid.UUID]:
    """n UUIDv7s in the layout of cwp_common.db.new_id (48-bit milliseconds, then
    randomness), drawing the randomness in one call: per id, new_id's own system call
    cost more than grading the worker."""
    ms = (time.time_ns() // 1_000_000) & ((1 << 48) - 1)
    head = ms << 80
    raw = os.urandom(10 * n)
    return [
        uuid.UUID(
            int=(head | int.from_bytes(raw[i : i + 10], "big")) & _VERSION_CLEAR | _VERSION_SET
        )
        for i in range(0, 10 * n, 10)
    ]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Hold the cyclic garbage collector during a burst of short-lived objects (a batch
    of gradings, its rows and their encodings). They form no cycles, yet their number
    alone triggers collections that cost a third of a mass regrade's CPU; the next
    collection after the block reclaims whatever needs it. May span awaits: other tasks
    then also run without collections for those milliseconds, which only defers them."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
