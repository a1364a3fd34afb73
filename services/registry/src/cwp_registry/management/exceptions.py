from __future__ import annotations

from cwp_common.problems import InvalidInput


class NoDutyRule(InvalidInput):
    def __init__(self) -> None:
        super().__init__(
            "kind",
            "No duty rule of this kind is in force for the worker's community on that day: "
            "the jurisdiction defines its duties first (POST /duty-rules) / 无对应的值班制度",
            slug="no-duty-rule",
        )


class CategoryMismatch(InvalidInput):
    def __init__(self) -> None:
        super().__init__(
            "category",
            "This category belongs to the other kind (reward or discipline) / 奖惩类别不符",
            slug="category-mismatch",
        )


class InvalidRulePeriod(InvalidInput):
    def __init__(self) -> None:
        super().__init__(
            "effective_to",
            "A rule cannot end before it takes effect / 制度终止日期早于生效日期",
            slug="invalid-dates",
        )
