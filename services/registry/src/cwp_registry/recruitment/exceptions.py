"""Recruitment problems, each with a stable slug. Messages come from fixed texts or
name a workflow state or step (never an applicant's data)."""

from __future__ import annotations

from cwp_common.problems import Conflict, InvalidInput, ProblemError


class InvalidTransition(ProblemError):
    """A step the application's state does not allow (409)."""

    def __init__(self, step: str, state: str) -> None:
        detail = (
            f"Step {step!r} cannot be taken while the application is {state!r} "
            "/ 当前环节不允许此操作"
        )
        super().__init__(
            409,
            "invalid-transition",
            "Conflict",
            detail,
            errors=[{"field": "step", "message": detail, "code": state}],
        )


class RoundNotOpen(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "application-window-closed",
            "The round is not announced, or its application window is not open today "
            "/ 不在报名时间内",
        )


class RoundAnnounced(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "round-already-announced", "The round has already been announced / 该批次已发布"
        )


class AlreadyApplied(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "already-applied", "This person has already applied in this round / 已报名本批次"
        )


class UnknownPost(InvalidInput):
    def __init__(self) -> None:
        super().__init__(
            "post_id", "No such post in this round / 本批次无此岗位", slug="unknown-post"
        )


class PostOutsideJurisdiction(InvalidInput):
    def __init__(self) -> None:
        super().__init__(
            "posts",
            "Every post's community must lie in the round's jurisdiction and be in use "
            "/ 岗位所在社区不在本批次范围内",
            slug="post-outside-jurisdiction",
        )


class InvalidWindow(InvalidInput):
    def __init__(self) -> None:
        super().__init__(
            "apply_until",
            "The application window ends before it begins / 报名截止日期早于开始日期",
            slug="invalid-window",
        )


class DecisionRequired(InvalidInput):
    def __init__(self) -> None:
        super().__init__(
            "decision",
            "The data cannot decide every condition: a reviewer must decide "
            "(decision: qualified or disqualified) / 需人工审核",
            slug="decision-required",
        )


class NoteRequired(InvalidInput):
    def __init__(self) -> None:
        super().__init__(
            "note",
            "Disqualifying or rejecting an applicant needs the reason in a note / 须说明理由",
            slug="note-required",
        )


class ScoresIncomplete(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "scores-incomplete",
            "Some qualified applicants of this post still lack a written or interview "
            "score; rank when all are scored / 尚有考生未录入成绩",
        )


class NothingToRank(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "nothing-to-rank", "No interviewed applicant waits for ranking / 无待排名考生"
        )


class PublicityNotOver(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "publicity-not-over",
            "The publicity period has not ended yet / 公示期未满",
        )


class ObjectionOpen(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "objection-open",
            "An objection raised during publicity is not resolved yet / 公示异议尚未处理",
        )


class NoOpenObjection(Conflict):
    def __init__(self) -> None:
        super().__init__("no-open-objection", "There is no open objection / 无待处理的异议")


class QuotaFilled(Conflict):
    def __init__(self) -> None:
        super().__init__("quota-filled", "The post's quota is already filled / 该岗位名额已满")


class ContractRequired(InvalidInput):
    def __init__(self) -> None:
        super().__init__(
            "contract",
            "Contract staff are hired with their labour contract: send `contract` "
            "/ 聘用专职社区工作者须签订劳动合同",
            slug="contract-required",
        )


class NoFreePlace(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "no-free-place", "Every place of the post is held; nothing to replace / 无空缺名额"
        )


class NoReplacement(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "no-replacement",
            "No ranked applicant waits outside the shortlist / 无可递补人员",
        )
