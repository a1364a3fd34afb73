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


class CommunityWithdrawn(ProblemError):
    """The community's code was withdrawn: it takes no new workers or transfers."""

    def __init__(self, field: str, code: str) -> None:
        detail = f"Community {code} has been withdrawn (已撤销) / 社区已撤销"
        super().__init__(
            422,
            "community-withdrawn",
            "Community withdrawn",
            detail,
            errors=[{"field": field, "message": detail}],
        )


class CommunityHasWorkers(Conflict):
    def __init__(self, code: str) -> None:
        super().__init__(
            "community-has-workers",
            f"Community {code} still has current workers: transfer them or record their "
            "exits before withdrawing it / 社区仍有在职人员，不能撤销",
        )


class ValidityOverlap(ProblemError):
    """A reused code's new holder must begin after the old one ended."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            422,
            "validity-overlap",
            "Invalid validity dates",
            detail,
            errors=[{"field": "valid_from", "message": detail}],
        )
