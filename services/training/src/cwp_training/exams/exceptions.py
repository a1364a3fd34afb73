"""Exam problems."""

from __future__ import annotations

from cwp_common.problems import Conflict, InvalidInput


class UnknownSubject(InvalidInput):
    def __init__(self) -> None:
        super().__init__("subject", "This level's exam has no such subject / 该级别无此科目")


class ResultExists(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "exam-result-exists",
            "A result for this subject and exam year is recorded / 该科目本年度成绩已登记",
        )
