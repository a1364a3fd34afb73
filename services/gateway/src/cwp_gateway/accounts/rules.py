"""Who may create or change which account, and when a name is locked out of signing in.
Pure functions over plain values."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


def region_within(region: str, scope: str) -> bool:
    """A region lies within a scope when the scope's code is its prefix ("" is national)."""
    return region.startswith(scope)


def roles_not_held(granted: Iterable[str], held: Iterable[str]) -> list[str]:
    """The roles in `granted` the granter does not hold itself, sorted."""
    return sorted(set(granted) - set(held))


@dataclass(frozen=True)
class Lockout:
    """After `max_failures` failed sign-ins in a row a name is locked for `seconds`. A
    failure older than `seconds` no longer counts, so a streak never lasts forever."""

    max_failures: int
    seconds: int

    @property
    def period(self) -> timedelta:
        return timedelta(seconds=self.seconds)


def login_key(login: str) -> str:
    """The failure counter's key for a name: its SHA-256, hex. Fixed width whatever the
    client sends, and a password typed into the username field is not stored in clear."""
    return hashlib.sha256(login.encode("utf-8", "surrogatepass")).hexdigest()


def retry_after(locked_until: datetime, now: datetime) -> int:
    """Whole seconds until the lock ends, rounded up and at least 1 (for Retry-After)."""
    return max(1, math.ceil((locked_until - now).total_seconds()))
