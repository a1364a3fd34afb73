"""The per-account limit of ID-number checks: a sliding-window estimate over two fixed
windows, and an honest Retry-After."""

from __future__ import annotations

import pytest

from cwp_registry.identity_checks.rules import Limit, admits, retry_after, window_start

HOUR = Limit(checks=10, seconds=3600)


def test_windows_are_aligned_to_their_length() -> None:
    assert window_start(7199.9, HOUR) == 3600
    assert window_start(7200.0, HOUR) == 7200


@pytest.mark.parametrize(
    ("previous", "current", "elapsed", "admitted"),
    [
        (0, 9, 0, True),  # the tenth check
        (0, 10, 0, False),
        (10, 0, 0, False),  # the whole previous window still overlaps
        (10, 0, 360, True),  # a tenth of it has slid out: 9 + 1
        (10, 5, 1800, False),  # 5 + 5 + 1
        (10, 4, 1800, True),  # 5 + 4 + 1
        (4, 5, 3599, True),
    ],
)
def test_admits(previous: int, current: int, elapsed: float, admitted: bool) -> None:
    assert admits(HOUR, previous, current, elapsed) is admitted


@pytest.mark.parametrize(
    ("previous", "current", "elapsed"),
    [(10, 0, 0), (10, 5, 1800), (0, 10, 100), (3, 10, 3000), (20, 9, 10), (0, 10, 3599.5)],
)
def test_retry_after_is_the_first_admitted_second(
    previous: int, current: int, elapsed: float
) -> None:
    assert not admits(HOUR, previous, current, elapsed)
    wait = retry_after(HOUR, previous, current, elapsed)

    def admitted_at(t: float) -> bool:
        later = elapsed + t
        if later < HOUR.seconds:
            return admits(HOUR, previous, current, later)
        if later < 2 * HOUR.seconds:
            return admits(HOUR, current, 0, later - HOUR.seconds)
        return admits(HOUR, 0, 0, later - 2 * HOUR.seconds)

    assert admitted_at(wait)
    assert wait == 1 or not admitted_at(wait - 1)


def test_a_limit_of_one_waits_out_the_next_window() -> None:
    one = Limit(checks=1, seconds=60)
    assert admits(one, 0, 0, 0)
    assert not admits(one, 0, 1, 10)
    assert retry_after(one, 0, 1, 10) == 110
