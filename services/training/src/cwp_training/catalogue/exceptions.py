"""Catalogue problems."""

from __future__ import annotations

from cwp_common.problems import Conflict


class NotATrainee(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "not-a-trainee",
            "Only a trainee of a class this trainer taught may rate them / 仅该培训师授课班次的学员可评价",
        )


class AlreadyRated(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "already-rated", "This trainee has rated this trainer for this class / 已评价"
        )


class Retired(Conflict):
    def __init__(self, label: str) -> None:
        super().__init__(
            "retired",
            f"{label} is retired: it cannot be changed or used for a new class / 已停用",
        )


class InUse(Conflict):
    def __init__(self, label: str) -> None:
        super().__init__(
            "in-use",
            f"{label} is used by a class that has not ended; it cannot be retired until "
            "then / 仍有未结束的班次使用，暂不能停用",
        )


class CourseHasClasses(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "course-has-classes",
            "The hours and delivery of a course with classes cannot change (hours were "
            "credited by them); retire it and create a new course / 已开班课程不能修改学时或授课方式",
        )


class CapacityBelowClasses(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "capacity-below-classes",
            "A class at this base has more places than the new capacity / 容量小于该基地班次人数",
        )
