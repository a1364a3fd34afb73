"""Worker problems, each with a stable slug. None of them echoes an ID number."""

from __future__ import annotations

from cwp_common.problems import Conflict, InvalidInput, NotFound, ProblemError


class InvalidIdNumber(ProblemError):
    """One problem type for every bad resident ID number; `errors[0].code` says which
    check failed (length, format, check-character, date, future-date, address-code)."""

    def __init__(self, reason: str, detail: str, field: str = "id_number") -> None:
        super().__init__(
            422,
            "invalid-id-number",
            "Invalid resident ID number",
            detail,
            errors=[{"field": field, "message": detail, "code": reason}],
        )


class UnderMinimumAge(InvalidInput):
    def __init__(self, field: str, age: int, minimum: int) -> None:
        super().__init__(
            field,
            f"The worker would be {age} on {field}; the legal minimum working age is "
            f"{minimum} / 未满{minimum}周岁不得招用",
            slug="under-minimum-age",
        )


class DateInFuture(InvalidInput):
    def __init__(self, field: str) -> None:
        super().__init__(
            field, f"{field} cannot be in the future / 日期不能晚于今天", "date-in-future"
        )


class DateTooEarly(InvalidInput):
    def __init__(self, field: str, earliest: str, what: str) -> None:
        super().__init__(
            field, f"{field} cannot be before {what} ({earliest}) / 日期过早", "date-too-early"
        )


class SameCommunity(InvalidInput):
    def __init__(self) -> None:
        super().__init__(
            "to_community_code",
            "The worker already serves in this community / 调入社区与当前社区相同",
            "same-community",
        )


class WorkerNotFound(NotFound):
    def __init__(self, key: object) -> None:
        super().__init__("Worker", key)


class CurrentWorkerNotFound(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            404,
            "not-found",
            "Not found",
            "No current worker with this ID number in your scope / 未找到在职登记",
        )


class WorkerHasExited(Conflict):
    def __init__(self, worker_id: object) -> None:
        super().__init__(
            "worker-exited",
            f"Worker {worker_id} has exited; the record is final / 已退出人员不可变更",
        )


class DuplicateIdNumber(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "duplicate-id-number",
            "A worker with this ID number is already registered and has not exited "
            "/ 该身份证号已有在职登记",
        )


# Age and post rules. Their messages name the rule that failed, never an age nor a date
# of birth (both would reveal the birth date).


class BelowPostMinimumAge(InvalidInput):
    def __init__(self, field: str) -> None:
        super().__init__(
            field,
            "Members of the residents' committee are elected by and from residents aged 18 "
            "or over (居民委员会组织法): the worker is under 18 on the day the post begins "
            "/ 居委会成员须年满18周岁",
            slug="below-post-minimum-age",
        )


class RetirementAgeReached(InvalidInput):
    def __init__(self, field: str) -> None:
        super().__init__(
            field,
            "The worker has reached the statutory retirement age (2024 NPC Standing "
            "Committee decision on the gradual raise) / 已达法定退休年龄",
            slug="retirement-age-reached",
        )


class ExitReasonNotApplicable(InvalidInput):
    def __init__(self, reason: str, needs: str) -> None:
        super().__init__(
            "reason",
            f"Exit reason {reason!r} applies only to {needs} (分类完善退出机制) "
            "/ 退出原因与人员类别不符",
            slug="exit-reason-not-applicable",
        )


class InvalidConcurrentPosts(InvalidInput):
    def __init__(self, message: str) -> None:
        super().__init__(
            "concurrent_posts", f"{message} / 兼任职务有误", slug="invalid-concurrent-posts"
        )
