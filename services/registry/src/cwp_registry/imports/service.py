"""Import use cases: accept a file (its headers and shape checked before the 202), run
the job in the background, report on it, and fail the jobs a restart interrupted."""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from openpyxl import Workbook
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cwp_common.auth import Principal
from cwp_common.db import new_id, utcnow
from cwp_registry.config import Settings
from cwp_registry.imports import runner
from cwp_registry.imports.exceptions import ImportFileProblem
from cwp_registry.imports.models import ImportJob
from cwp_registry.imports.reader import kind_of, open_table
from cwp_registry.imports.repository import ImportJobRepository
from cwp_registry.imports.rows import reason_text
from cwp_registry.pii import PiiCipher

COPY_BLOCK = 1 << 20
# Jobs running in this process, held so the event loop does not drop them.
_TASKS: set[asyncio.Task[None]] = set()


def _save(upload: BinaryIO, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        while block := upload.read(COPY_BLOCK):
            out.write(block)


def _inspect(path: Path, kind: str, max_rows: int) -> int | None:
    """Refuse a file whose shape is wrong before it is queued: type, headers, merged
    cells, no data, more rows than allowed (as far as the file announces)."""
    with open_table(path, kind) as table:
        if next(itertools.islice(table.rows, 1), None) is None:
            raise ImportFileProblem("empty-file")
        if table.estimate is not None and table.estimate > max_rows:
            raise ImportFileProblem("too-many-rows", 413)
        return table.estimate


async def start(
    sessions: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    principal: Principal,
    pii: PiiCipher,
    settings: Settings,
    filename: str,
    upload: BinaryIO,
    dry_run: bool,
) -> ImportJob:
    kind = kind_of(filename)
    job_id = new_id()
    path = Path(settings.import_dir) / f"{job_id}.{kind}"
    await asyncio.to_thread(_save, upload, path)
    try:
        estimate = await asyncio.to_thread(_inspect, path, kind, settings.import_max_rows)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    job = ImportJob(
        id=job_id,
        state="queued",
        dry_run=dry_run,
        file_kind=kind,
        region=principal.region,
        created_by=principal.subject,
        total_estimate=estimate,
        rows=0,
        created=0,
        updated=0,
        unchanged=0,
        rejected=0,
        created_at=utcnow(),
    )
    async with session.begin():
        session.add(job)
    spec = runner.Job(
        job_id,
        path,
        kind,
        principal,
        dry_run,
        settings.import_chunk_rows,
        settings.import_max_rows,
    )
    task = asyncio.create_task(runner.run(sessions, spec, pii))
    _TASKS.add(task)
    task.add_done_callback(_TASKS.discard)
    return job


async def get(session: AsyncSession, principal: Principal, job_id: uuid.UUID) -> ImportJob:
    return await ImportJobRepository(session, principal).get_or_404(job_id)


async def errors_report(
    session: AsyncSession, principal: Principal, pii: PiiCipher, job_id: uuid.UUID
) -> bytes:
    """The rejected rows as sent, the reason beside each (write-only, row by row)."""
    repo = ImportJobRepository(session, principal)
    await repo.get_or_404(job_id)
    wb = Workbook(write_only=True)
    sheet = wb.create_sheet("未导入的行")
    sheet.append(["行号 (row)", "原因 (reason)", "原因代码 (code)", "原行内容 (cells) →"])
    async for r in repo.rejections(job_id):
        cells = json.loads(pii.decrypt(r.cells_cipher, job_id.bytes))
        sheet.append([r.row_number, reason_text(r.reason, r.field), r.reason, *cells])
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


async def fail_interrupted(sessions: async_sessionmaker[AsyncSession], directory: Path) -> None:
    """At start-up: a job still queued or running was cut off by the restart. It is
    marked failed (the chunks it committed stay; a repeat of the file leaves them
    unchanged and finishes the rest) and its file removed."""
    async with sessions() as session, session.begin():
        cut = await session.scalars(
            update(ImportJob)
            .where(ImportJob.state.in_(("queued", "running")))
            .values(state="failed", failure="interrupted", finished_at=utcnow())
            .returning(ImportJob.id)
            .execution_options(synchronize_session=False)
        )
        ids = list(cut)
    for job_id in ids:
        for kind in ("xlsx", "csv"):
            (directory / f"{job_id}.{kind}").unlink(missing_ok=True)
