"""Contract and social-insurance problems, each with a stable slug. Messages come from
fixed tables: no value sent by the caller (a date, a number) is quoted back."""

from __future__ import annotations

from typing import ClassVar, Literal

from cwp_common.problems import Conflict, InvalidInput, ProblemError

DateProblem = Literal[
    "end-required",
    "end-not-allowed",
    "end-before-start",
    "start-before-hire",
    "signed-in-future",
    "signed-after-end",
    "probation-beyond-term",
    "renewal-not-continuous",
    "end-outside-contract",
    "enrolment-end-before-start",
    "enrolment-before-hire",
]


class InvalidContractDates(ProblemError):
    """Dates that cannot be: `errors[0].code` says which rule, `field` which date."""

    MESSAGES: ClassVar[dict[str, tuple[str, str]]] = {
        "end-required": (
            "end_date",
            "a fixed-term contract needs an end date / 固定期限合同须有终止日期",
        ),
        "end-not-allowed": (
            "end_date",
            "an open-ended contract has no end date / 无固定期限合同不设终止日期",
        ),
        "end-before-start": (
            "end_date",
            "the end date is before the start date / 终止日期早于起始日期",
        ),
        "start-before-hire": (
            "start_date",
            "the contract cannot start before the worker's hire date / 合同起始日期早于入职日期",
        ),
        "signed-in-future": (
            "signed_on",
            "the signing date cannot be in the future / 签订日期晚于今天",
        ),
        "signed-after-end": (
            "signed_on",
            "the contract cannot be signed after it ends / 签订日期晚于合同终止日期",
        ),
        "probation-beyond-term": (
            "probation_months",
            "the probation would run past the end of the contract / 试用期超出合同期限",
        ),
        "renewal-not-continuous": (
            "start_date",
            "a renewal starts the day after the previous contract ends / 续订合同应自原合同期满次日起",
        ),
        "end-outside-contract": (
            "ended_on",
            "the contract can only end between its start and end dates / 解除日期须在合同期内",
        ),
        "enrolment-end-before-start": (
            "end_date",
            "the enrolment ends before it starts / 参保终止日期早于起始日期",
        ),
        "enrolment-before-hire": (
            "start_date",
            "the enrolment cannot start before the worker's hire date / 参保日期早于入职日期",
        ),
    }

    def __init__(self, reason: DateProblem) -> None:
        field, message = self.MESSAGES[reason]
        super().__init__(
            422,
            "invalid-contract-dates",
            "Invalid dates",
            message,
            errors=[{"field": field, "message": message, "code": reason}],
        )


class ContractNotApplicable(InvalidInput):
    def __init__(self) -> None:
        super().__init__(
            "worker_id",
            "Only contract staff sign a labour contract with the street or town: civil "
            "servants, public-institution staff and elected members without a contract are "
            "excepted (2024 Opinion, Q&A 4) / 该人员不签订劳动合同",
            slug="contract-not-applicable",
        )


class ProbationTooLong(InvalidInput):
    def __init__(self, maximum: int) -> None:
        super().__init__(
            "probation_months",
            f"For this contract term the probation may last at most {maximum} month(s) "
            f"(劳动合同法 Art. 19) / 试用期不得超过{maximum}个月",
            slug="probation-too-long",
        )


class ProbationAlreadyUsed(InvalidInput):
    def __init__(self) -> None:
        super().__init__(
            "probation_months",
            "A probation may be agreed only once between the same employer and worker "
            "(劳动合同法 Art. 19) / 同一用人单位与同一劳动者只能约定一次试用期",
            slug="probation-already-used",
        )


class OpenEndedRequired(InvalidInput):
    def __init__(self) -> None:
        super().__init__(
            "kind",
            "The worker qualifies for an open-ended contract (ten years' continuous service, "
            "or two consecutive fixed-term contracts: 劳动合同法 Art. 14); a fixed term is "
            "possible only when the worker asks for it (worker_requested_fixed_term) "
            "/ 应当订立无固定期限劳动合同",
            slug="open-ended-required",
        )


class ContractOverlaps(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "contract-overlaps",
            "The worker already has a current labour contract: renew or end it first "
            "/ 该人员已有在履行的劳动合同",
        )


class ContractNotActive(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "contract-not-active",
            "This contract has been renewed or has ended; it can no longer change "
            "/ 该合同已续订或已终止",
        )


class OpenEndedNotRenewable(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "contract-open-ended",
            "An open-ended contract has no term to renew / 无固定期限合同无需续订",
        )


class EnrolmentOverlaps(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "enrolment-overlaps",
            "The worker is already enrolled in this scheme for part of this period "
            "/ 该险种参保期间重叠",
        )


class EnrolmentNotOpen(Conflict):
    def __init__(self) -> None:
        super().__init__("enrolment-ended", "This enrolment has already ended / 该参保记录已终止")
