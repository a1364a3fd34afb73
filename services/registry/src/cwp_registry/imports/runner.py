"""The import job: rows read and checked in chunks in a worker thread (the same functions a
single registration or patch runs, and the file's duplicates found through an on-disk
index), each checked chunk then written in one transaction with its events, change-feed
rows, statistics and the job's counts. The next chunk is read and checked while the
previous one is being written, so the database's work and the checks overlap. A rejected
row writes nothing but its rejection; a dry run rolls the chunk back and keeps only the
counts."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cwp_common.auth import Principal
from cwp_common.bulk import gc_paused
from cwp_common.clock import today_in_china
from cwp_common.db import new_ids, utcnow
from cwp_common.problems import ProblemError
from cwp_common.redact import describe
from cwp_common.repository import PLATFORM
from cwp_registry.communities.models import Community
from cwp_registry.communities.repository import CommunityRepository
from cwp_registry.imports.columns import Column
from cwp_registry.imports.exceptions import ImportFileProblem
from cwp_registry.imports.models import ImportJob, ImportRejection
from cwp_registry.imports.reader import Cells, Table, next_chunk, open_table
from cwp_registry.imports.rows import RowRejected, cells_json, read_row
from cwp_registry.imports.seen import SeenIds
from cwp_registry.imports.seen import key as seen_key
from cwp_registry.pii import PiiCipher
from cwp_registry.statistics import rules as rules_stats
from cwp_registry.statistics import writer
from cwp_registry.workers import service as workers
from cwp_registry.workers.models import NewWorker, Worker
from cwp_registry.workers.repository import WorkerRepository
from cwp_registry.workers.schemas import WorkerCreate, WorkerPatch

log = logging.getLogger("cwp.registry.imports")

# What a row may change on a registered worker (the PATCH's fields it carries).
PATCHABLE = frozenset(WorkerPatch.model_fields) & frozenset(WorkerCreate.model_fields)


@dataclass
class Job:
    id: uuid.UUID
    path: Path
    kind: str
    principal: Principal
    dry_run: bool
    chunk_rows: int
    max_rows: int


@dataclass
class Counts:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0


@dataclass
class Checked:
    number: int
    body: WorkerCreate
    reg: workers.Registration
    digest: str


@dataclass
class Outcome:
    counts: Counts = field(default_factory=Counts)
    rejections: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Prepared:
    """A chunk after the checks needing no database: the rows that passed them, and the
    rejections so far (the write adds its own to a copy, so it can be run again)."""

    rows: int
    today: date
    checked: list[tuple[Checked, Cells]]
    rejections: list[dict[str, Any]]


class _Reject:
    """Collects a chunk's rejections."""

    def __init__(self, job: Job, pii: PiiCipher, outcome: Outcome) -> None:
        self.job, self.pii, self.outcome = job, pii, outcome

    def __call__(self, number: int, cells: Cells, reason: str, field: str | None) -> None:
        self.outcome.counts.rejected += 1
        self.outcome.rejections.append(
            {
                "job_id": self.job.id,
                "row_number": number,
                "reason": reason,
                "field": field,
                "cells_cipher": self.pii.encrypt(
                    json.dumps(cells_json(cells), ensure_ascii=False), self.job.id.bytes
                ),
            }
        )


def _rejection(exc: ProblemError) -> tuple[str, str | None]:
    first = exc.errors[0] if exc.errors else {}
    return exc.slug, first.get("field")


def _prepare(
    job: Job,
    pii: PiiCipher,
    columns: list[Column],
    chunk: list[tuple[int, Cells]],
    today: date,
    seen: SeenIds,
) -> Prepared:
    """The rules needing no database, per row (the single registration's function), then
    the duplicates within the file, in row order."""
    outcome = Outcome()
    reject = _Reject(job, pii, outcome)
    passed: list[tuple[Checked, Cells]] = []
    for number, cells in chunk:
        try:
            body = read_row(columns, cells)
            reg = workers.check_registration(job.principal, body, today)
        except RowRejected as exc:
            reject(number, cells, exc.reason, exc.field)
            continue
        except ProblemError as exc:
            reject(number, cells, *_rejection(exc))
            continue
        passed.append((Checked(number, body, reg, pii.digest(reg.rid.number)), cells))
    firsts = seen.first_seen(seen_key(row.digest) for row, _ in passed)
    checked = []
    for (row, cells), first in zip(passed, firsts, strict=True):
        if first:
            checked.append((row, cells))
        else:
            reject(row.number, cells, "duplicate-in-file", "id_number")
    return Prepared(len(chunk), today, checked, outcome.rejections)


class Checks:
    """The file's chunks, read and checked one after another (each call in a worker
    thread: parsing and checking are CPU work)."""

    def __init__(self, job: Job, pii: PiiCipher, table: Table, seen: SeenIds) -> None:
        self.job, self.pii, self.table, self.seen = job, pii, table, seen
        self.done = 0

    def next(self) -> Prepared | None:
        # A chunk is a burst of short-lived objects: the collector waits (gc_paused).
        with gc_paused():
            chunk = next_chunk(self.table.rows, self.job.chunk_rows)
            if not chunk:
                return None
            self.done += len(chunk)
            if self.done > self.job.max_rows:
                raise ImportFileProblem("too-many-rows")
            return _prepare(
                self.job, self.pii, self.table.columns, chunk, today_in_china(), self.seen
            )


async def _write_chunk(
    session: AsyncSession, job: Job, pii: PiiCipher, prepared: Prepared
) -> Outcome:
    outcome = Outcome(
        Counts(rows=prepared.rows, rejected=len(prepared.rejections)),
        list(prepared.rejections),
    )
    reject = _Reject(job, pii, outcome)
    checked, today = prepared.checked, prepared.today
    codes = {c.reg.code for c, _ in checked}
    held = select(Community.code, Community.valid_to).where(Community.code.in_(codes))
    scoped = CommunityRepository(session, job.principal).scope(held)
    communities: dict[str, date | None] = {
        code: valid_to for code, valid_to in (await session.execute(scoped)).all()
    }
    # Uniqueness is national, as for a single registration.
    everyone = WorkerRepository(session, PLATFORM)
    existing = {
        w.id_number_hash: w
        for w in await everyone.current_by_hashes([c.digest for c, _ in checked])
    }
    new: list[NewWorker] = []
    changes = rules_stats.Changes()
    ids, now = iter(new_ids(len(checked))), utcnow()
    for row, cells in checked:
        try:
            workers.check_community(
                row.reg.code, communities.get(row.reg.code), row.reg.code in communities, today
            )
            current = existing.get(row.digest)
            if current is None:
                new.append(workers.new_worker(pii, row.reg, row.body, row.digest, next(ids), now))
                outcome.counts.created += 1
            elif await _upsert(session, job, row, current, today, changes):
                outcome.counts.updated += 1
            else:
                outcome.counts.unchanged += 1
        except RowRejected as exc:
            reject(row.number, cells, exc.reason, exc.field)
        except ProblemError as exc:
            reject(row.number, cells, *_rejection(exc))
    await everyone.insert_many(new)
    await workers.announce_new(session, new, today, changes)
    await writer.apply(session, changes)
    return outcome


async def _upsert(
    session: AsyncSession,
    job: Job,
    row: Checked,
    current: Worker,
    today: date,
    changes: rules_stats.Changes,
) -> bool:
    """A registered worker: the row's fields as a PATCH, through the PATCH's rules."""
    if not job.principal.covers(current.community_code):
        raise RowRejected("registered-elsewhere", "id_number")
    if current.community_code != row.reg.code:
        raise RowRejected("transfer-needed", "community_code")
    if current.hire_date != row.body.hire_date:
        raise RowRejected("hire-date-differs", "hire_date")
    sent = {f: getattr(row.body, f) for f in row.body.model_fields_set & PATCHABLE}
    requested = workers.patch_request(WorkerPatch.model_validate(sent), today)
    refusal = workers.check_patch(current, requested, today)
    if refusal is not None:
        raise refusal
    changed = workers.changed_fields(current, requested)
    if not changed:
        return False
    await workers.apply_patch(session, current, requested, changed, today, changes)
    return True


async def _record(session: AsyncSession, job: Job, outcome: Outcome) -> None:
    c = outcome.counts
    if outcome.rejections:
        await session.execute(insert(ImportRejection), outcome.rejections)
    await session.execute(
        update(ImportJob)
        .where(ImportJob.id == job.id)
        .values(
            rows=ImportJob.rows + c.rows,
            created=ImportJob.created + c.created,
            updated=ImportJob.updated + c.updated,
            unchanged=ImportJob.unchanged + c.unchanged,
            rejected=ImportJob.rejected + c.rejected,
        )
    )


class _DryRun(Exception):
    """Raised to roll a dry run's chunk back once it has been checked and written."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__("dry run")
        self.outcome = outcome


async def _chunk(
    sessions: async_sessionmaker[AsyncSession], job: Job, pii: PiiCipher, prepared: Prepared
) -> None:
    for attempt in (1, 2):
        try:
            async with sessions() as session, session.begin():
                outcome = await _write_chunk(session, job, pii, prepared)
                if job.dry_run:
                    raise _DryRun(outcome)
                await _record(session, job, outcome)
        except _DryRun as dry:
            async with sessions() as session, session.begin():
                await _record(session, job, dry.outcome)
        except IntegrityError:
            # A worker of this chunk was registered concurrently: the second pass finds
            # the worker and treats the row as an update.
            if attempt == 2:
                raise
            continue
        return


async def _set_state(
    sessions: async_sessionmaker[AsyncSession], job_id: uuid.UUID, **values: Any
) -> None:
    async with sessions() as session, session.begin():
        await session.execute(update(ImportJob).where(ImportJob.id == job_id).values(**values))


async def _pipeline(
    sessions: async_sessionmaker[AsyncSession], job: Job, pii: PiiCipher, checks: Checks
) -> None:
    """Chunk k is written while chunk k+1 is read and checked."""
    ahead = asyncio.ensure_future(asyncio.to_thread(checks.next))
    try:
        while (ready := await ahead) is not None:
            ahead = asyncio.ensure_future(asyncio.to_thread(checks.next))
            with gc_paused():  # as the checks are (Checks.next)
                await _chunk(sessions, job, pii, ready)
    finally:
        # The thread reads the open file: it finishes before the file is closed.
        if not ahead.done():
            await asyncio.wait([ahead])
        if not ahead.cancelled():
            ahead.exception()  # retrieved, if the write failed first


async def run(sessions: async_sessionmaker[AsyncSession], job: Job, pii: PiiCipher) -> None:
    await _set_state(sessions, job.id, state="running", started_at=utcnow())
    try:
        with (
            open_table(job.path, job.kind, estimate=False) as table,
            SeenIds(job.path.parent) as seen,
        ):
            await _pipeline(sessions, job, pii, Checks(job, pii, table, seen))
        await _set_state(sessions, job.id, state="done", finished_at=utcnow())
    except ImportFileProblem as exc:
        await _set_state(sessions, job.id, state="failed", failure=exc.reason, finished_at=utcnow())
    except Exception as exc:
        log.error("import job %s failed: %s", job.id, describe(exc))
        await _set_state(sessions, job.id, state="failed", failure="internal", finished_at=utcnow())
    finally:
        job.path.unlink(missing_ok=True)
