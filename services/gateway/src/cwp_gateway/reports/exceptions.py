"""The reports' refusals, each with a stable slug and a fixed text."""

from __future__ import annotations

from cwp_common.problems import Forbidden, ProblemError


class UnknownReport(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            404,
            "unknown-report",
            "Unknown report",
            "No such report or format; GET /api/v1/reports lists them / 无此报表或格式",
        )


class BadRegion(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            422,
            "invalid-region",
            "Invalid region",
            "region must be a division code of 2, 4, 6, 9 or 12 digits / 地区代码无效",
            errors=[{"field": "region", "message": "2, 4, 6, 9 or 12 digits"}],
        )


class FutureDate(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            422,
            "future-date",
            "Date in the future",
            "as_of cannot be after today: no figures exist yet / 数据日期不能晚于今天",
            errors=[{"field": "as_of", "message": "not after today"}],
        )


class RegionOutOfScope(Forbidden):
    def __init__(self) -> None:
        super().__init__(
            "The region is outside your scope / 该地区不在您的管辖范围内", "region-out-of-scope"
        )


class PartUnavailable(ProblemError):
    """The service that holds the report's figures does not answer, or has no such
    endpoint yet: no report rather than a report of made-up figures."""

    def __init__(self) -> None:
        super().__init__(
            503,
            "report-source-unavailable",
            "Report source unavailable",
            "The service that provides this report's figures is not available / "
            "提供该报表数据的服务暂不可用",
            headers={"Retry-After": "60"},
        )
