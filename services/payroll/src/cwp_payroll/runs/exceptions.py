"""Problems of payroll runs, with stable slugs and fixed texts."""

from __future__ import annotations

from cwp_common.problems import Conflict, InvalidInput


class FuturePeriod(InvalidInput):
    def __init__(self) -> None:
        super().__init__(
            "period", "A run cannot pay a future month / 不能发放未来月份", "future-period"
        )


class PeriodTooEarly(InvalidInput):
    def __init__(self) -> None:
        super().__init__(
            "period",
            "Runs start with 2019-01 (the cumulative withholding rules) / 批次最早为2019-01",
            "period-too-early",
        )


class RunExists(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "run-exists",
            "A run for an overlapping jurisdiction already pays this month; rerun that one "
            "/ 该月已有覆盖该辖区的批次，请重算该批次",
        )


class RunLocked(Conflict):
    def __init__(self) -> None:
        super().__init__("run-locked", "The run is locked and never changes / 批次已锁定，不可更改")


class RunNotDraft(Conflict):
    def __init__(self) -> None:
        super().__init__("run-not-draft", "Only a draft run can do this / 仅草稿批次可执行此操作")


class RunNotApproved(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "run-not-approved", "Only an approved run can be locked / 仅已审核批次可锁定"
        )


class RunStillRunning(Conflict):
    def __init__(self) -> None:
        super().__init__("run-running", "The run is still computing / 批次仍在计算中")
