"""Term problems; their messages come from fixed texts."""

from __future__ import annotations

from typing import ClassVar, Literal

from cwp_common.problems import InvalidInput


class InvalidReelection(InvalidInput):
    MESSAGES: ClassVar[dict[str, str]] = {
        "future": "term_start cannot be in the future / 任期开始日期不能晚于今天",
        "not-after": (
            "term_start must be after the start of the current term / 新任期须晚于本届任期开始"
        ),
        "no-term": (
            "The worker holds no open term in this position: only an elected post held now "
            "(居委会 or 社区党组织) starts a new term / 该人员当前未任此选任职务"
        ),
    }

    def __init__(self, reason: Literal["future", "not-after", "no-term"]) -> None:
        field = "position" if reason == "no-term" else "term_start"
        super().__init__(field, self.MESSAGES[reason], slug="invalid-term")
