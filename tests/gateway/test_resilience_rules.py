"""The proxy's guards as plain rules, on a hand-moved clock."""

from __future__ import annotations

import pytest

from cwp_gateway.proxy.resilience import (
    CircuitBreaker,
    RateLimiter,
    parse_route_timeouts,
    timeout_for,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_breaker_opens_after_failures_in_a_row_and_tries_once_after_the_cooldown() -> None:
    clock = Clock()
    breaker = CircuitBreaker(threshold=3, cooldown=10, clock=clock)
    for _ in range(2):
        assert breaker.allow()
        breaker.failed()
    breaker.succeeded()  # a success in between resets the count
    for _ in range(3):
        assert breaker.allow()
        breaker.failed()
    assert breaker.state == "open"
    assert not breaker.allow()
    assert breaker.retry_after() == 10
    clock.now += 10
    assert breaker.allow()  # the one trial
    assert not breaker.allow()  # no second while it runs
    breaker.failed()
    assert breaker.state == "open"
    clock.now += 10
    assert breaker.allow()
    breaker.succeeded()
    assert breaker.state == "closed"
    assert breaker.allow()


def test_an_abandoned_trial_lets_the_next_call_try() -> None:
    clock = Clock()
    breaker = CircuitBreaker(threshold=1, cooldown=5, clock=clock)
    breaker.failed()
    clock.now += 5
    assert breaker.allow()
    breaker.abandoned()
    assert breaker.allow()


def test_the_bucket_allows_the_burst_then_the_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=2, burst=3, clock=clock)
    assert [limiter.take("a") for _ in range(3)] == [0, 0, 0]
    assert limiter.take("a") == pytest.approx(0.5)
    assert limiter.take("b") == 0  # another key has its own bucket
    clock.now += 0.5
    assert limiter.take("a") == 0
    assert limiter.take("a") > 0


def test_the_limiter_forgets_the_least_recent_keys_first() -> None:
    limiter = RateLimiter(rate=1, burst=1, clock=Clock(), max_keys=2)
    for key in ("a", "b", "c"):
        limiter.take(key)
    assert list(limiter.buckets) == ["b", "c"]


def test_route_timeouts_take_the_longest_prefix() -> None:
    timeouts = parse_route_timeouts(["/api/v1/career=20", "/api/v1/career/regrade=60"])
    assert timeout_for("/api/v1/career/regrade/1", timeouts, 30) == 60
    assert timeout_for("/api/v1/career/workers", timeouts, 30) == 20
    assert timeout_for("/api/v1/registry/workers", timeouts, 30) == 30
    for bad in ("api/v1=3", "/api/v1", "/api/v1=x", "/api/v1=0"):
        with pytest.raises(ValueError, match="route timeout"):
            parse_route_timeouts([bad])
