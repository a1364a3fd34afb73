"""Class problems (fixed texts; a row-level problem names the row, never its values)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cwp_common.problems import Conflict, InvalidInput, ProblemError


class PlanExists(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "plan-exists",
            "A plan with this title exists for this jurisdiction and year / 该年度同名计划已存在",
        )


class ClassFull(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "class-full",
            "The class is full; ask for the waiting list (waitlist: true) / 班次已满，可申请候补",
        )


class AlreadyEnrolled(Conflict):
    def __init__(self) -> None:
        super().__init__("already-enrolled", "The worker is already enrolled or waiting / 已报名")


class NotEnrolled(Conflict):
    def __init__(self) -> None:
        super().__init__("not-enrolled", "The worker is not enrolled in this class / 未报名该班次")


class NotOnline(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "not-online", "Progress is reported only for online or blended courses / 仅线上课程"
        )


class ScoreNotExpected(InvalidInput):
    def __init__(self, scored: bool) -> None:
        text = (
            "This class ends with a score: give one (0-100) / 该班次需录入成绩"
            if scored
            else "This class has no score / 该班次无成绩"
        )
        super().__init__("score", text)


class CapacityAboveBase(InvalidInput):
    def __init__(self) -> None:
        super().__init__("capacity", "The capacity exceeds the base's / 超过基地容量")


class BadRows(ProblemError):
    """Row-level errors of a bulk request or a sheet: nothing was written."""

    def __init__(self, errors: Sequence[Mapping[str, Any]]) -> None:
        super().__init__(
            422,
            "invalid-rows",
            "Invalid rows",
            "Some rows are invalid; nothing was written / 部分行有误，未写入任何数据",
            errors=errors,
        )


# Fixed texts of row-level errors.
ROW_NOT_ENROLLED = "the worker is not enrolled in this class / 未报名该班次"
ROW_OUTSIDE_DATES = "the day is outside the class dates / 日期不在班次期间"
ROW_DUPLICATE = "attendance for this worker and day is already recorded / 该日考勤已登记"
