from __future__ import annotations

from cwp_common.problems import ProblemError


class TooManyIdChecks(ProblemError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            429,
            "too-many-id-checks",
            "Too many ID-number checks",
            f"This account has made too many checks of resident ID numbers; try again in "
            f"{retry_after} s / 身份证号核验过于频繁，请{retry_after}秒后再试",
            headers={"Retry-After": str(retry_after)},
        )
