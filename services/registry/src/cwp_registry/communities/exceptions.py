"""Community problems, each with a stable slug clients can branch on."""

from __future__ import annotations

from cwp_common.problems import Conflict, ProblemError


class InvalidDivisionCode(ProblemError):
    """422 naming the field; `reason` says which structural rule the code breaks."""

    def __init__(self, field: str, reason: str, detail: str) -> None:
        super().__init__(
            422,
            "invalid-division-code",
            "Invalid division code",
            detail,
            errors=[{"field": field, "message": detail, "code": reason}],
        )


class CommunityExists(Conflict):
    def __init__(self, code: str) -> None:
        super().__init__("community-exists", f"Community {code} already exists / 社区已存在")


class UnknownCommunity(ProblemError):
    """A worker or transfer names a community the registry does not hold."""

    def __init__(self, field: str, code: str) -> None:
        detail = f"Community {code} is not registered / 社区未登记"
        super().__init__(
            422,
            "unknown-community",
            "Unknown community",
            detail,
            errors=[{"field": field, "message": detail}],
        )
