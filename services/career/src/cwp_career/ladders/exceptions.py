"""Ladder problems, each with a stable type slug."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cwp_common.problems import Conflict, NotFound, ProblemError


class InvalidLadder(ProblemError):
    def __init__(self, errors: Sequence[Mapping[str, str]]) -> None:
        super().__init__(
            422,
            "invalid-ladder",
            "Invalid ladder",
            "; ".join(f"{e['field']}: {e['message']}" for e in errors),
            errors=errors,
        )


class LadderExists(Conflict):
    def __init__(self, jurisdiction: str, effective_date: object) -> None:
        super().__init__(
            "ladder-exists",
            f"A ladder for jurisdiction '{jurisdiction or 'national'}' effective "
            f"{effective_date} is already published; versions are immutable, publish one "
            "with a later effective date / 该辖区该生效日期的等级序列已发布",
        )


class TemplateNotFound(NotFound):
    def __init__(self, key: object) -> None:
        super().__init__("Template", key)
