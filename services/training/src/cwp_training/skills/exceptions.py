"""Skill level problems."""

from __future__ import annotations

from cwp_common.problems import Conflict


class SkillLevelExists(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "skill-level-exists",
            "The worker already holds this skill level, or the certificate number is "
            "recorded / 该技能等级或证书编号已登记",
        )
