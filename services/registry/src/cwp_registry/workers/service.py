"""Worker use cases. Each write is one transaction holding the change and its outbox
event; the relay is woken after the commit. Rule checks run before anything is written,
so a refused request leaves no trace."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Principal
from cwp_common.db import new_id, utcnow
from cwp_common.events.contracts import (
    WorkerExited,
    WorkerRegistered,
    WorkerTransferred,
    WorkerUpdated,
)
from cwp_common.pagination import decode_cursor, encode_cursor
from cwp_common.scope import ensure_writable
from cwp_common.service import Runtime
from cwp_registry.communities.exceptions import UnknownCommunity
from cwp_registry.communities.repository import CommunityRepository
from cwp_registry.communities.rules import validate_community_code
from cwp_registry.pii import PiiCipher
from cwp_registry.workers import rules
from cwp_registry.workers.exceptions import (
    CurrentWorkerNotFound,
    DuplicateIdNumber,
    SameCommunity,
    WorkerHasExited,
    WorkerNotFound,
)
from cwp_registry.workers.models import Worker, WorkerTransfer
from cwp_registry.workers.repository import WorkerFilter, WorkerRepository
from cwp_registry.workers.retirement import retirement_date
from cwp_registry.workers.schemas import ExitIn, TransferIn, WorkerCreate, WorkerPatch


def facts(w: Worker) -> dict[str, Any]:
    """The WorkerFacts every worker event carries: never the ID number nor its hash."""
    return {
        "worker_id": str(w.id),
        "name": w.name,
        "community_code": w.community_code,
        "position": w.position,
        "employment_type": w.employment_type,
        "education": w.education,
        "sex": w.sex,
        "birth_date": w.birth_date,
        "hire_date": w.hire_date,
        "service_start_date": w.service_start_date,
        "status": w.status,
        "degree": w.degree,
        "position_since": w.position_since,
        "concurrent_posts": w.concurrent_posts,
        "retirement_date": retirement_date(w.birth_date, w.sex, w.position, w.community_code),
    }


def _posts(position: str, since: date, concurrent: list[dict[str, Any]]) -> list[rules.Post]:
    """The main post first, then the concurrent ones."""
    return [
        rules.Post(position, since),
        *(rules.Post(p["position"], date.fromisoformat(str(p["since"]))) for p in concurrent),
    ]


def _check_posts(birth: date, posts: list[rules.Post], today: date) -> None:
    rules.check_not_future("position_since", posts[0].since, today)
    rules.check_concurrent_posts(posts[0].position, posts[1:], today)
    rules.check_post_ages(birth, posts)


def _notify(rt: Runtime) -> None:
    if rt.relay is not None:
        rt.relay.notify()


def _is_duplicate_id(exc: IntegrityError) -> bool:
    # PostgreSQL names the index, SQLite the column.
    message = str(exc.orig)
    return "uq_workers_current_id_number" in message or "id_number_hash" in message


async def _load_for_change(repo: WorkerRepository, worker_id: uuid.UUID) -> Worker:
    worker = await repo.get(worker_id, for_update=True)
    if worker is None:
        raise WorkerNotFound(worker_id)
    if worker.status == "exited":
        raise WorkerHasExited(worker_id)
    return worker


async def register(
    session: AsyncSession, rt: Runtime, principal: Principal, pii: PiiCipher, body: WorkerCreate
) -> Worker:
    today = rules.today_in_china()
    rid = rules.parse_id_number(body.id_number, today)
    code = validate_community_code(body.community_code, "community_code")
    rules.check_hire(rid.birth_date, body.hire_date, today)
    start = body.service_start_date or body.hire_date
    rules.check_service_start(rid.birth_date, start, today)
    since = body.position_since or body.hire_date
    concurrent = [p.model_dump(mode="json") for p in body.concurrent_posts]
    _check_posts(rid.birth_date, _posts(body.position, since, concurrent), today)
    retires = retirement_date(rid.birth_date, rid.sex, body.position, code)
    rules.check_not_retired("id_number", retires, today)
    ensure_writable(principal, code)
    digest = pii.digest(rid.number)
    workers = WorkerRepository(session, principal)
    try:
        async with session.begin():
            if await CommunityRepository(session, principal).get(code) is None:
                raise UnknownCommunity("community_code", code)
            if await workers.current_by_hash(digest) is not None:
                raise DuplicateIdNumber()
            worker_id = new_id()
            now = utcnow()
            worker = Worker(
                id=worker_id,
                name=body.name,
                id_number_cipher=pii.encrypt(rid.number, worker_id.bytes),
                id_number_hash=digest,
                sex=rid.sex,
                birth_date=rid.birth_date,
                community_code=code,
                position=body.position,
                employment_type=body.employment_type,
                education=body.education,
                degree=body.degree,
                position_since=since,
                concurrent_posts=concurrent,
                political_status=body.political_status,
                phone=body.phone,
                hire_date=body.hire_date,
                service_start_date=start,
                status=body.status,
                created_at=now,
                updated_at=now,
            )
            session.add(worker)
            await session.flush()  # a concurrent registration of the same person fails here
            await rt.outbox.add(session, WorkerRegistered(**facts(worker)), str(worker_id))
    except IntegrityError as exc:
        if _is_duplicate_id(exc):
            raise DuplicateIdNumber() from None
        raise
    _notify(rt)
    return worker


async def update(
    session: AsyncSession,
    rt: Runtime,
    principal: Principal,
    worker_id: uuid.UUID,
    patch: WorkerPatch,
) -> Worker:
    requested = patch.model_dump(exclude_unset=True)
    async with session.begin():
        worker = await _load_for_change(WorkerRepository(session, principal), worker_id)
        today = rules.today_in_china()
        if "service_start_date" in requested:
            rules.check_service_start(worker.birth_date, requested["service_start_date"], today)
        if "concurrent_posts" in requested:
            requested["concurrent_posts"] = [
                {"position": p["position"], "since": p["since"].isoformat()}
                for p in requested["concurrent_posts"]
            ]
        if requested.get("position", worker.position) != worker.position:
            requested.setdefault("position_since", today)  # a new post starts a new term
        if {"position", "position_since", "concurrent_posts"} & requested.keys():
            posts = _posts(
                requested.get("position", worker.position),
                requested.get("position_since", worker.position_since),
                requested.get("concurrent_posts", worker.concurrent_posts),
            )
            _check_posts(worker.birth_date, posts, today)
        changed = sorted(k for k, v in requested.items() if getattr(worker, k) != v)
        if changed:
            for name in changed:
                setattr(worker, name, requested[name])
            worker.updated_at = utcnow()
            event = WorkerUpdated(**facts(worker), changed=changed)
            await rt.outbox.add(session, event, str(worker.id))
    if changed:
        _notify(rt)
    return worker


async def transfer(
    session: AsyncSession,
    rt: Runtime,
    principal: Principal,
    worker_id: uuid.UUID,
    body: TransferIn,
) -> Worker:
    to_code = validate_community_code(body.to_community_code, "to_community_code")
    rules.check_not_future("effective_date", body.effective_date, rules.today_in_china())
    repo = WorkerRepository(session, principal)
    async with session.begin():
        worker = await _load_for_change(repo, worker_id)
        ensure_writable(principal, to_code)
        if to_code == worker.community_code:
            raise SameCommunity()
        if await CommunityRepository(session, principal).get(to_code) is None:
            raise UnknownCommunity("to_community_code", to_code)
        last = await repo.last_transfer_date(worker.id)
        earliest, what = (last, "the last transfer") if last else (worker.hire_date, "hire_date")
        rules.check_not_before("effective_date", body.effective_date, earliest, what)
        from_code, previous_start = worker.community_code, worker.service_start_date
        carried = rules.recognised_in_province(from_code, to_code)
        now = utcnow()
        session.add(
            WorkerTransfer(
                worker_id=worker.id,
                from_community_code=from_code,
                to_community_code=to_code,
                effective_date=body.effective_date,
                service_years_carried=carried,
                previous_service_start_date=previous_start,
                note=body.note,
                created_by=principal.subject,
                created_at=now,
            )
        )
        worker.community_code = to_code
        # A post in the new community is a new term; posts held in the old one end.
        worker.position_since = body.effective_date
        worker.concurrent_posts = []
        worker.updated_at = now
        event = WorkerTransferred(
            **facts(worker),
            from_community_code=from_code,
            effective_date=body.effective_date,
            service_years_carried=carried,
        )
        await rt.outbox.add(session, event, str(worker.id))
    _notify(rt)
    return worker


async def exit_worker(
    session: AsyncSession, rt: Runtime, principal: Principal, worker_id: uuid.UUID, body: ExitIn
) -> Worker:
    rules.check_not_future("exit_date", body.exit_date, rules.today_in_china())
    repo = WorkerRepository(session, principal)
    async with session.begin():
        worker = await _load_for_change(repo, worker_id)
        last = await repo.last_transfer_date(worker.id)
        earliest, what = (last, "the last transfer") if last else (worker.hire_date, "hire_date")
        rules.check_not_before("exit_date", body.exit_date, earliest, what)
        held = [worker.position, *(p["position"] for p in worker.concurrent_posts)]
        rules.check_exit_reason(body.reason, held, worker.employment_type)
        worker.status = "exited"
        worker.exit_reason = body.reason
        worker.exit_date = body.exit_date
        worker.exit_note = body.note
        worker.updated_at = utcnow()
        event = WorkerExited(
            worker_id=str(worker.id),
            community_code=worker.community_code,
            reason=body.reason,
            exit_date=body.exit_date,
        )
        await rt.outbox.add(session, event, str(worker.id))
    _notify(rt)
    return worker


async def get(session: AsyncSession, principal: Principal, worker_id: uuid.UUID) -> Worker:
    worker = await WorkerRepository(session, principal).get(worker_id)
    if worker is None:
        raise WorkerNotFound(worker_id)
    return worker


async def lookup(
    session: AsyncSession, principal: Principal, pii: PiiCipher, raw_id_number: str
) -> Worker:
    rid = rules.parse_id_number(raw_id_number, rules.today_in_china())
    worker = await WorkerRepository(session, principal).current_by_hash(pii.digest(rid.number))
    if worker is None:
        raise CurrentWorkerNotFound()
    return worker


async def list_page(
    session: AsyncSession, principal: Principal, f: WorkerFilter, cursor: str | None, limit: int
) -> tuple[Sequence[Worker], str | None]:
    rows = await WorkerRepository(session, principal).list(f, decode_cursor(cursor), limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor(rows[-1].id) if more else None)


async def transfers(
    session: AsyncSession, principal: Principal, worker_id: uuid.UUID
) -> Sequence[WorkerTransfer]:
    await get(session, principal, worker_id)  # 404 when the worker is out of scope
    return await WorkerRepository(session, principal).transfers(worker_id)
