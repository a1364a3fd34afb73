"""Problems of the policy area, with stable slugs."""

from __future__ import annotations

from cwp_common.problems import Conflict, InvalidInput


class PolicyExists(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "policy-exists",
            "A policy of this kind already takes effect on that date in that jurisdiction "
            "/ 该辖区同日生效的同类政策已存在",
        )


class ReferenceWageExists(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "reference-wage-exists",
            "This division already has this year's wage of this kind / 该地区该年度该口径工资已存在",
        )


class DuplicateAllowance(InvalidInput):
    def __init__(self) -> None:
        super().__init__(
            "body.allowances.other",
            "Allowance names must be unique / 津贴名称不得重复",
            slug="duplicate-allowance",
        )
