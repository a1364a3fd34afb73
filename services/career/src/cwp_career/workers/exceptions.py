"""Worker problems."""

from __future__ import annotations

from cwp_common.problems import Conflict, InvalidInput, NotFound


class WorkerNotFound(NotFound):
    def __init__(self, key: object) -> None:
        super().__init__("Worker", key)


class WorkerHasExited(Conflict):
    def __init__(self, key: object) -> None:
        super().__init__(
            "worker-exited",
            f"Worker {key} has exited; the record is kept but no longer changes / 已退出",
        )


class LevelAlreadyRecorded(Conflict):
    def __init__(self, level: str) -> None:
        super().__init__(
            "level-exists", f"Level {level} is already recorded for this worker / 已登记"
        )


class FutureDate(InvalidInput):
    def __init__(self, field: str) -> None:
        super().__init__(field, f"{field} may not be after today / 不能晚于今天")
