"""Worker problems, each with a stable slug. None of them echoes an ID number, a phone,
a birth date or anything derived from one (an age): they name the rule that failed."""

from __future__ import annotations

from typing import ClassVar, Literal

from cwp_common.problems import Conflict, InvalidInput, ProblemError


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
    """Names the rule and the date field, never the age: an age (or the date it changes)
    would give away the birth date a caller without `pii` may not see."""

    def __init__(self, field: str, minimum: int) -> None:
        super().__init__(
            field,
            f"On {field} the worker would be under the legal minimum working age of "
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


class RegisteredElsewhere(Conflict):
    """The person already has a current registration. Inside the caller's region the
    answer names it; outside, it says only how to ask for a transfer."""

    def __init__(self, worker_id: object | None = None, community_code: str | None = None) -> None:
        if worker_id is not None:
            detail = (
                f"This person is already registered as worker {worker_id} in community "
                f"{community_code} and has not exited: change that record, or record the exit "
                f"first / 该人员已在社区{community_code}登记在职"
            )
        else:
            detail = (
                "This person is already registered, and has not exited, in a community "
                "outside your region. To move them to your community, ask the registry office "
                "whose region covers both communities (provincial or national) to transfer "
                "the worker (POST /api/v1/registry/workers/{id}/transfer) "
                "/ 该人员已在其他地区社区登记在职，请联系覆盖两地的上级登记机关办理调动"
            )
        super().__init__("registered-elsewhere", detail)


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
    """The message comes from a fixed table, never from free text, so that no value of the
    worker's (a date, an age) can end up in it."""

    MESSAGES: ClassVar[dict[str, str]] = {
        "repeated": "a concurrent post repeats the main post or another concurrent post",
        "future": "a concurrent post cannot begin in the future",
    }

    def __init__(self, reason: Literal["repeated", "future"]) -> None:
        super().__init__(
            "concurrent_posts",
            f"{self.MESSAGES[reason]} / 兼任职务有误",
            slug="invalid-concurrent-posts",
        )


class EmploymentTypeMismatch(InvalidInput):
    """Serving by election or in the Party organisation without a contract needs such a
    post; the message comes from a fixed table."""

    MESSAGES: ClassVar[dict[str, str]] = {
        "elected": (
            "employment_type 'elected' needs a residents' committee post (committee_director, "
            "deputy_director or committee_member) / 选任人员须担任居委会职务"
        ),
        "party_organisation": (
            "employment_type 'party_organisation' needs a Party organisation post "
            "(party_secretary, deputy_secretary or party_committee_member) / 党组织成员须担任党组织职务"
        ),
    }

    def __init__(self, employment_type: Literal["elected", "party_organisation"]) -> None:
        super().__init__(
            "employment_type", self.MESSAGES[employment_type], slug="employment-type-mismatch"
        )
