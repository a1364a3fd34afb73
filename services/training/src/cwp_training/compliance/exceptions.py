"""Compliance problems."""

from __future__ import annotations

from cwp_common.problems import Conflict


class RequirementExists(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "requirement-exists",
            "A requirement for this jurisdiction, position, period and date exists / 该学时要求已存在",
        )
