"""Assessment problems."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cwp_common.problems import Conflict, InvalidInput, ProblemError


class AssessmentExists(Conflict):
    def __init__(self, worker_id: object, year: int) -> None:
        super().__init__(
            "assessment-exists",
            f"Worker {worker_id} already has an assessment for {year} / 该年度考核已存在",
        )


class AssessmentFinal(Conflict):
    def __init__(self, key: object) -> None:
        super().__init__(
            "assessment-confirmed",
            f"Assessment {key} is confirmed and final / 考核结果已确认，不能修改",
        )


class UnknownResult(InvalidInput):
    def __init__(self, result: str, scale: Sequence[str], field: str = "result") -> None:
        super().__init__(
            field,
            f"{result!r} is not in the ladder's scale ({' / '.join(scale)}) / 考核等次无效",
            slug="unknown-result",
        )


class YearOutOfService(InvalidInput):
    def __init__(self, year: int, first: int, last: int, field: str = "year") -> None:
        super().__init__(
            field,
            f"year {year} is outside the worker's service ({first}-{last}) / 考核年度无效",
            slug="year-out-of-range",
        )


class ExcellentCapExceeded(ProblemError):
    def __init__(self, errors: Sequence[Mapping[str, str]]) -> None:
        super().__init__(
            422,
            "excellent-cap-exceeded",
            "Share of the best result above the cap",
            "; ".join(e["message"] for e in errors),
            errors=errors,
        )


class BulkRejected(ProblemError):
    def __init__(self, errors: Sequence[Mapping[str, str]]) -> None:
        super().__init__(
            422,
            "bulk-rejected",
            "Bulk assessment rejected",
            f"{len(errors)} problem(s); nothing was written / 批量录入被拒绝，未写入任何数据",
            errors=errors,
        )


class NotInUnit(InvalidInput):
    def __init__(self, worker_id: object, unit: str) -> None:
        super().__init__(
            "worker_id", f"worker {worker_id} is not in unit {unit} / 不属于该街道或社区"
        )
