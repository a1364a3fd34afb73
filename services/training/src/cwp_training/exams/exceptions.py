"""Exam problems."""

from __future__ import annotations

from collections.abc import Sequence

from cwp_common.problems import Conflict, InvalidInput, ProblemError


class UnknownSubject(InvalidInput):
    def __init__(self) -> None:
        super().__init__("subject", "This level's exam has no such subject / 该级别无此科目")


class ResultExists(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "exam-result-exists",
            "A result for this subject and exam year is recorded / 该科目本年度成绩已登记",
        )


class NotEligible(ProblemError):
    """The worker may not sit this level's exam: each unmet condition is an error."""

    def __init__(self, reasons: Sequence[tuple[str, str]]) -> None:
        super().__init__(
            422,
            "exam-not-eligible",
            "Not eligible for the exam",
            "The worker does not meet this level's exam conditions; nothing was written "
            "/ 不符合报考条件，未写入",
            errors=[{"field": f, "message": m} for f, m in reasons],
        )
