"""Worker queries. Every statement starts from the region-scoped select on the worker's
community code (cwp_common.repository), so no endpoint can reach a worker outside the
caller's region; only the national duplicate check runs as PLATFORM."""

from __future__ import annotations

import json
import operator
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import String, Table, bindparam, func, insert, literal, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm.attributes import set_committed_value

from cwp_common.db import AnySelect, copy_rows
from cwp_common.repository import Repository
from cwp_common.scope import region_clause
from cwp_registry.workers.models import NEW_WORKER_COLUMNS, NewWorker, Worker, WorkerTransfer

_WORKERS = cast(Table, Worker.__table__)
# One UPDATE by key whose SET clause is the columns its parameters name (compiled once
# per set of columns): building the statement per change cost more than running it.
_UPDATE_BY_ID = update(_WORKERS).where(_WORKERS.c.id == bindparam("worker_id"))


@dataclass(frozen=True)
class WorkerFilter:
    region: str | None = None
    community_code: str | None = None
    position: str | None = None
    status: str | None = None


# A new worker's COPY record, in NEW_WORKER_COLUMNS order: the columns around the JSON one.
_POSTS = NEW_WORKER_COLUMNS.index("concurrent_posts")
_head = operator.attrgetter(*NEW_WORKER_COLUMNS[:_POSTS])
_tail = operator.attrgetter(*NEW_WORKER_COLUMNS[_POSTS + 1 :])


class WorkerRepository(Repository[Worker]):
    model = Worker
    key = Worker.id
    scope_column = Worker.community_code
    worker_column = Worker.id  # a worker's own account sees only this row
    label = "Worker"

    async def current_by_hash(self, digest: str) -> Worker | None:
        """The one not-exited worker with this ID hash, if it is in scope."""
        stmt = self.scoped().where(Worker.id_number_hash == digest, Worker.status != "exited")
        return await self.session.scalar(stmt)

    async def current_by_hashes(self, digests: Sequence[str]) -> Sequence[Worker]:
        """The not-exited workers with these ID hashes, in scope, locked (a batch's
        uniqueness check, on PLATFORM's repository: national). On PostgreSQL the hashes
        are one array joined as a set: `= ANY(array)` in a cached generic plan compares
        each row scanned with every hash, and a plan made while the table was small
        scans it all (an import into an empty registry slowed down a hundredfold)."""
        if (await self.session.connection()).dialect.name == "postgresql":
            wanted = select(func.unnest(literal(list(digests), ARRAY(String))))
            match = Worker.id_number_hash.in_(wanted.scalar_subquery())
        else:
            match = Worker.id_number_hash.in_(list(digests))
        stmt = self.scoped().where(match, Worker.status != "exited").with_for_update(of=Worker)
        return (await self.session.scalars(stmt)).all()

    async def insert_many(self, workers: Sequence[NewWorker]) -> None:
        """New workers (an import's chunk), past the identity map: COPY on PostgreSQL,
        one executemany elsewhere. A second current registration of a number fails with
        IntegrityError, as the ORM's flush does."""
        if not workers:
            return
        table = cast(Table, Worker.__table__)
        if (await self.session.connection()).dialect.name == "postgresql":
            records = [(*_head(w), json.dumps(w.concurrent_posts), *_tail(w)) for w in workers]
            await copy_rows(self.session, table.name, NEW_WORKER_COLUMNS, records)
        else:
            rows = [{c: getattr(w, c) for c in NEW_WORKER_COLUMNS} for w in workers]
            await self.session.execute(insert(table), rows)

    async def write_fields(self, worker: Worker, values: dict[str, Any]) -> None:
        """Write `values` to a worker loaded (and locked) through `scoped()`, in one UPDATE
        by its key, and set them on the loaded object as the stored state: nothing is
        left for the ORM to flush at the commit."""
        await self.session.execute(_UPDATE_BY_ID, {"worker_id": worker.id, **values})
        for name, value in values.items():
            set_committed_value(worker, name, value)

    async def has_current_in(self, community_code: str) -> bool:
        stmt = self.scoped().where(
            Worker.community_code == community_code, Worker.status != "exited"
        )
        return await self.session.scalar(select(stmt.exists())) or False

    def listing(self, f: WorkerFilter) -> AnySelect:
        stmt = self.scoped()
        if f.region:
            stmt = stmt.where(region_clause(Worker.community_code, f.region))
        if f.community_code:
            stmt = stmt.where(Worker.community_code == f.community_code)
        if f.position:
            stmt = stmt.where(Worker.position == f.position)
        if f.status:
            stmt = stmt.where(Worker.status == f.status)
        return stmt

    async def transfers(self, worker_id: uuid.UUID) -> Sequence[WorkerTransfer]:
        stmt = self._transfers_of(select(WorkerTransfer), worker_id).order_by(
            WorkerTransfer.effective_date, WorkerTransfer.id
        )
        return (await self.session.scalars(stmt)).all()

    async def last_transfer_date(self, worker_id: uuid.UUID) -> date | None:
        stmt = select(func.max(WorkerTransfer.effective_date)).select_from(WorkerTransfer)
        last: date | None = await self.session.scalar(self._transfers_of(stmt, worker_id))
        return last

    def _transfers_of(self, stmt: AnySelect, worker_id: uuid.UUID) -> AnySelect:
        """A worker's transfers, visible only while the worker is in scope."""
        stmt = stmt.join(Worker, Worker.id == WorkerTransfer.worker_id).where(
            WorkerTransfer.worker_id == worker_id
        )
        return self.scope(stmt)
