"""Resident ID numbers for tests and benchmarks: the GB 11643-1999 MOD 11-2 check
character, computed here independently of stdnum so tests check the service against a
second implementation. The one copy: tests, e2e and bench import it from here."""

from __future__ import annotations

from datetime import date

WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]  # 7, 9, 10, 5, 8, 4, 2, 1, 6, ...
CHECK = "10X98765432"


def with_check(body17: str) -> str:
    """The 17 digits followed by their check character."""
    total = sum(int(d) * w for d, w in zip(body17, WEIGHTS, strict=True))
    return body17 + CHECK[total % 11]


def resident_id(area: str, birth: date, seq: int) -> str:
    """A valid 18-character number: address code, birth date, 3-digit sequence (odd for
    men, even for women) and check character."""
    return with_check(f"{area}{birth:%Y%m%d}{seq % 1000:03d}")
