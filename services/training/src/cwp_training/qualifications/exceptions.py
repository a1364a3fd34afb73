"""Qualification problems (fixed texts: no input value is ever quoted)."""

from __future__ import annotations

from cwp_common.problems import Conflict, InvalidInput


class QualificationExists(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "qualification-exists",
            "The worker already holds this qualification level / 该资格等级已登记",
        )


class CertificateTaken(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "certificate-taken",
            "This certificate number is already recorded / 证书编号已登记",
        )


class WorkerExited(Conflict):
    def __init__(self) -> None:
        super().__init__("worker-exited", "The worker has exited / 该社区工作者已退出")


class FutureDate(InvalidInput):
    def __init__(self, field: str) -> None:
        super().__init__(field, f"{field} may not be after today / 不能晚于今天")


class RenewalRefused(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "renewal-refused",
            "The registration cannot be renewed yet: it ends more than 90 days from today, "
            "or its continuing-education hours are not met / 尚不能续期：距期满逾90天或继续教育学时未满",
        )
