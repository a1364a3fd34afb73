"""Grading problems."""

from __future__ import annotations

from cwp_common.problems import InvalidInput


class FutureAsOf(InvalidInput):
    def __init__(self) -> None:
        super().__init__(
            "as_of",
            "as_of may not be after today: grades are facts about the past and present, "
            "a later day is re-graded when it comes / 不能晚于今天",
            slug="as-of-in-future",
        )
