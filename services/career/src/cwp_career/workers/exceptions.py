"""Worker problems."""

from __future__ import annotations

from cwp_common.problems import Conflict, NotFound


class WorkerNotFound(NotFound):
    def __init__(self, key: object) -> None:
        super().__init__("Worker", key)


class WorkerHasExited(Conflict):
    def __init__(self, key: object) -> None:
        super().__init__(
            "worker-exited",
            f"Worker {key} has exited; the record is kept but no longer changes / 已退出",
        )
