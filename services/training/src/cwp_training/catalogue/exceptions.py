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
