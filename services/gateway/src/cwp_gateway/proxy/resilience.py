"""What keeps one sick service or one greedy caller from taking the platform down: a
circuit breaker per upstream, rate limits per account and per client address, and the
per-route timeouts. Plain objects with an injectable clock, so the rules are tested
without sleeping."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

Clock = Callable[[], float]
# Methods a retry cannot do twice (RFC 9110 §9.2.2), and only when no answer came.
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


@dataclass
class CircuitBreaker:
    """Closed: calls go through. After `threshold` failures in a row (unreachable, timed
    out, 502-504) it opens: calls are refused at once for `cooldown` seconds instead of
    piling up on a service that cannot answer. Then one trial call goes through
    (half-open); its success closes the circuit, its failure opens it again."""

    threshold: int = 5
    cooldown: float = 10.0
    clock: Clock = time.monotonic
    failures: int = 0
    opened_at: float | None = None
    trial_running: bool = False

    def allow(self) -> bool:
        if self.opened_at is None:
            return True
        if self.clock() - self.opened_at < self.cooldown or self.trial_running:
            return False
        self.trial_running = True  # half-open: this one call tries the service
        return True

    def retry_after(self) -> int:
        if self.opened_at is None:
            return 0
        return max(1, math.ceil(self.cooldown - (self.clock() - self.opened_at)))

    def succeeded(self) -> None:
        self.failures, self.opened_at, self.trial_running = 0, None, False

    def abandoned(self) -> None:
        """An allowed call that never went out (the client left): the next may try."""
        self.trial_running = False

    def failed(self) -> None:
        self.failures += 1
        if self.trial_running or self.failures >= self.threshold:
            self.opened_at = self.clock()
        self.trial_running = False

    @property
    def state(self) -> str:
        if self.opened_at is None:
            return "closed"
        return "half-open" if self.trial_running else "open"


@dataclass
class Bucket:
    tokens: float
    at: float


@dataclass
class RateLimiter:
    """Token buckets per key: `rate` requests a second on average, bursts up to `burst`.
    Keeps at most `max_keys` buckets (the least recently used go first: a forgotten key
    starts with a full bucket, which only ever errs on the caller's side)."""

    rate: float
    burst: float
    clock: Clock = time.monotonic
    max_keys: int = 100_000
    buckets: OrderedDict[str, Bucket] = field(default_factory=OrderedDict)

    def take(self, key: str) -> float:
        """0 when the request may go; else the seconds until it could."""
        now = self.clock()
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = Bucket(self.burst, now)
            self.buckets[key] = bucket
            if len(self.buckets) > self.max_keys:
                self.buckets.popitem(last=False)
        else:
            self.buckets.move_to_end(key)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
            bucket.at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate


def parse_route_timeouts(values: list[str]) -> dict[str, float]:
    """'/api/v1/career/regrade=60' entries -> {prefix: seconds}; ValueError names a bad one."""
    out: dict[str, float] = {}
    for item in values:
        prefix, sep, seconds = item.partition("=")
        try:
            value = float(seconds)
        except ValueError:
            value = -1
        if not sep or not prefix.startswith("/") or value <= 0:
            raise ValueError(f"route timeout {item!r} is not '<path prefix>=<seconds>'")
        out[prefix.strip()] = value
    return out


def timeout_for(path: str, timeouts: Mapping[str, float], default: float) -> float:
    """The longest matching prefix's timeout, else the default."""
    best, length = default, -1
    for prefix, seconds in timeouts.items():
        if path.startswith(prefix) and len(prefix) > length:
            best, length = seconds, len(prefix)
    return best
