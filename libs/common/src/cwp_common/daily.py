"""Work done once per China business day: a background task that wakes every
`check_every` seconds and runs `run_for(day)` when the China date has moved on (and once at
start). A failure (the database briefly away) is logged by type and retried at the next
wake; the day counts as done only when its run returned."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import date

from cwp_common.clock import today_in_china
from cwp_common.redact import describe


class DailyJob:
    name: str = "daily-job"  # the task's name and the log's subject

    def __init__(self, check_every: float) -> None:
        self._check_every = check_every
        self._task: asyncio.Task[None] | None = None
        self._log = logging.getLogger(f"cwp.{self.name}")

    async def run_for(self, day: date) -> None:
        raise NotImplementedError

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        done_for: date | None = None
        while True:
            today = today_in_china()
            if today != done_for:
                try:
                    await self.run_for(today)
                    done_for = today
                except Exception as exc:
                    self._log.warning("%s for %s failed: %s", self.name, today, describe(exc))
            await asyncio.sleep(self._check_every)
