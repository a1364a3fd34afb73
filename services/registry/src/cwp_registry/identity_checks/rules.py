"""The per-account limit as a sliding-window estimate over two fixed windows: the
previous window's count weighted by how much of it still overlaps the sliding window,
plus the current window's count. Exact enough, and two rows per account at most."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limit:
    checks: int  # at most this many checks ...
    seconds: int  # ... in any window of this length


def window_start(now: float, limit: Limit) -> int:
    return int(now // limit.seconds) * limit.seconds


def admits(limit: Limit, previous: int, current: int, elapsed: float) -> bool:
    """May one more check be made, `elapsed` seconds into the current window?"""
    overlap = 1 - elapsed / limit.seconds
    return previous * overlap + current + 1 <= limit.checks


def retry_after(limit: Limit, previous: int, current: int, elapsed: float) -> int:
    """Whole seconds until `admits` holds again, if nobody checks in the meantime."""
    w = limit.seconds
    room = limit.checks - current - 1
    if room >= 0 and previous > 0:
        # Still in this window, once enough of the previous one has slid out.
        wait = w * (1 - room / previous) - elapsed
        if wait < w - elapsed:
            return max(1, math.ceil(wait))
    # In the next window, the current count becomes the weighted one.
    later = w * (1 - (limit.checks - 1) / current) if current else 0.0
    return max(1, math.ceil(w - elapsed + max(0.0, later)))
