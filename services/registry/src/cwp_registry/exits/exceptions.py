from __future__ import annotations

from cwp_common.problems import Conflict


class CaseDecided(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "exit-case-decided",
            "This exit case has already been confirmed or dismissed / 该退出事项已处理",
        )
