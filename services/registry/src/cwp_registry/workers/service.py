"""Worker use cases. Each write is one transaction holding the change and its outbox
event (queued on the session; the relay wakes after the commit). Rule checks run before
anything is written, so a refused request leaves no trace, except in the ID-check audit
trail: a lookup, a duplicate found at registration, and a birth-date rule run for a caller
without `pii` are counted against the account's limit and audited whatever the answer."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Principal
from cwp_common.clock import today_in_china
from cwp_common.db import new_id, utcnow
from cwp_common.events.contracts import (
    WorkerExited,
    WorkerRegistered,
    WorkerTransferred,
    WorkerUpdated,
)
from cwp_common.problems import ProblemError
from cwp_common.repository import PLATFORM
from cwp_common.scope import ensure_writable
from cwp_registry.changes.recorder import Plain, batch, publish, publish_many
from cwp_registry.communities.exceptions import UnknownCommunity
from cwp_registry.communities.repository import CommunityRepository
from cwp_registry.communities.rules import check_open, validate_community_code
from cwp_registry.contracts.closing import end_on_exit
from cwp_registry.identity_checks.rules import Limit
from cwp_registry.identity_checks.service import IdChecks
from cwp_registry.pii import PiiCipher
from cwp_registry.statistics import rules as rules_stats
from cwp_registry.statistics import tracking, writer
from cwp_registry.terms.service import follow_posts, start_terms
from cwp_registry.workers import rules
from cwp_registry.workers.exceptions import (
    BelowPostMinimumAge,
    CurrentWorkerNotFound,
    RegisteredElsewhere,
    SameCommunity,
    UnderMinimumAge,
    WorkerHasExited,
)
from cwp_registry.workers.models import NEW_WORKER_COLUMNS, NewWorker, Worker, WorkerTransfer
from cwp_registry.workers.repository import WorkerFilter, WorkerRepository
from cwp_registry.workers.retirement import retirement_date
from cwp_registry.workers.schemas import ExitIn, TransferIn, WorkerCreate, WorkerPatch


def facts_of(w: Worker | NewWorker) -> dict[str, Any]:
    """The WorkerFacts every worker event carries, JSON-ready: what the contract's
    `model_dump(mode="json")` gives, in its field order, so a bulk writer publishes them
    as they are (tests compare). Never the ID number, its hash or the phone (see the
    contract's docstring for who needs the birth date). A new worker carries the
    retirement date its registration check computed."""
    if isinstance(w, NewWorker):
        retires = w.retirement_date
    else:
        retires = retirement_date(w.birth_date, w.sex, w.position, w.community_code)
    return {
        "worker_id": str(w.id),
        "name": w.name,
        "community_code": w.community_code,
        "position": w.position,
        "employment_type": w.employment_type,
        "education": w.education,
        "sex": w.sex,
        "birth_date": w.birth_date.isoformat(),
        "hire_date": w.hire_date.isoformat(),
        "service_start_date": w.service_start_date.isoformat(),
        "status": w.status,
        "degree": w.degree,
        "position_since": w.position_since.isoformat() if w.position_since else None,
        "concurrent_posts": [
            {"position": p["position"], "since": str(p["since"])} for p in w.concurrent_posts
        ],
        "retirement_date": retires.isoformat(),
    }


def _posts(position: str, since: date, concurrent: list[dict[str, Any]]) -> list[rules.Post]:
    """The main post first, then the concurrent ones."""
    return [
        rules.Post(position, since),
        *(rules.Post(p["position"], date.fromisoformat(str(p["since"]))) for p in concurrent),
    ]


def _is_duplicate_id(exc: IntegrityError) -> bool:
    # PostgreSQL names the index, SQLite the column.
    message = str(exc.orig)
    return "uq_workers_current_id_number" in message or "id_number_hash" in message


def _registered_elsewhere(principal: Principal, existing: Worker | None) -> RegisteredElsewhere:
    if existing is not None and principal.covers(existing.community_code):
        return RegisteredElsewhere(existing.id, existing.community_code)
    return RegisteredElsewhere()


async def load_for_change(repo: WorkerRepository, worker_id: uuid.UUID) -> Worker:
    worker = await repo.get_or_404(worker_id, for_update=True)
    if worker.status == "exited":
        raise WorkerHasExited(worker_id)
    return worker


@dataclass(frozen=True)
class Registration:
    """A registration that passed every rule needing no database: what the write uses."""

    rid: rules.ResidentId
    code: str
    start: date
    retires: date  # the statutory retirement date, computed once


def check_registration(principal: Principal, body: WorkerCreate, today: date) -> Registration:
    """Every rule of a registration that needs no database, in the order a single
    registration runs them (the bulk import runs the same function per row)."""
    rid = rules.parse_id_number(body.id_number, today)
    code = validate_community_code(body.community_code, "community_code")
    rules.check_hire(rid.birth_date, body.hire_date, today)
    start = body.service_start_date or body.hire_date
    rules.check_service_start(rid.birth_date, start, today)
    since = body.position_since or body.hire_date
    concurrent = [p.model_dump(mode="json") for p in body.concurrent_posts]
    posts = _posts(body.position, since, concurrent)
    rules.check_not_future("position_since", since, today)
    rules.check_concurrent_posts(body.position, posts[1:], today)
    rules.check_post_ages(rid.birth_date, posts)
    rules.check_employment_type(body.employment_type, [p.position for p in posts])
    retires = retirement_date(rid.birth_date, rid.sex, body.position, code)
    rules.check_not_retired("id_number", retires, today)
    ensure_writable(principal, code)
    return Registration(rid, code, start, retires)


def check_community(code: str, valid_to: date | None, known: bool, today: date) -> None:
    """The community must be held and open (known: it is, in the caller's scope)."""
    if not known:
        raise UnknownCommunity("community_code", code)
    check_open(code, valid_to, "community_code", today)


def new_worker(
    pii: PiiCipher,
    reg: Registration,
    body: WorkerCreate,
    digest: str,
    worker_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> NewWorker:
    """The row of a checked registration (a single one makes its ORM object from it, the
    import writes many at once, with ids drawn together and one time for its batch)."""
    worker_id = worker_id or new_id()
    now = now or utcnow()
    return NewWorker(
        id=worker_id,
        name=body.name,
        id_number_cipher=pii.encrypt(reg.rid.number, worker_id.bytes),
        id_number_hash=digest,
        sex=reg.rid.sex,
        birth_date=reg.rid.birth_date,
        community_code=reg.code,
        position=body.position,
        employment_type=body.employment_type,
        education=body.education,
        degree=body.degree,
        position_since=body.position_since or body.hire_date,
        concurrent_posts=[p.model_dump(mode="json") for p in body.concurrent_posts],
        political_status=body.political_status,
        phone=body.phone,
        hire_date=body.hire_date,
        service_start_date=reg.start,
        status=body.status,
        created_at=now,
        updated_at=now,
        retirement_date=reg.retires,
    )


async def announce_new(
    session: AsyncSession, workers: Sequence[NewWorker], today: date, into: rules_stats.Changes
) -> None:
    """After the new workers are written: their events, terms and counts (collected in
    `into`, which the caller applies)."""
    kind = WorkerRegistered.type
    async with batch(session):  # the terms' events too: one feed write
        await publish_many(
            session, [(Plain(kind, facts_of(w)), str(w.id), w.community_code) for w in workers]
        )
        await start_terms(session, workers, today)
    rules_stats.stock_changes_many(
        ((tracking.profile(w, None, None), 1) for w in workers), today, into
    )
    joined = Counter((w.community_code, w.hire_date) for w in workers)
    for (code, day), times in joined.items():
        rules_stats.flow(code, "joined", day, into, times=times)


async def register(
    session: AsyncSession,
    principal: Principal,
    pii: PiiCipher,
    limit: Limit,
    body: WorkerCreate,
    then: Callable[[Worker], Awaitable[None]] | None = None,
) -> Worker:
    """Register a worker. `then` runs inside the same transaction once the worker and
    its event are staged (hiring from a recruitment round signs the contract and closes
    the application there): whatever it refuses, nothing is written."""
    today = today_in_china()
    reg = check_registration(principal, body, today)
    code = reg.code
    digest = pii.digest(reg.rid.number)
    # Uniqueness is national: the check looks beyond the caller's region, and the answer
    # (counted and audited, as a lookup is) names only what the caller may see.
    everyone = WorkerRepository(session, PLATFORM)
    checks = IdChecks(session, principal, limit)
    existing: Worker | None = None
    try:
        async with checks.transaction("register", digest, lock=False):
            community = await CommunityRepository(session, principal).get(code)
            check_community(
                code, community.valid_to if community else None, community is not None, today
            )
            existing = await everyone.current_by_hash(digest)
            if existing is not None:
                await checks.count("duplicate", worker_id=existing.id)
            else:
                new = new_worker(pii, reg, body, digest)
                worker = Worker(**{c: getattr(new, c) for c in NEW_WORKER_COLUMNS})
                everyone.add(worker)
                await session.flush()  # a concurrent registration of the same person fails here
                changes = rules_stats.Changes()
                await announce_new(session, [new], today, changes)
                await writer.apply(session, changes)
                if then is not None:
                    await then(worker)
                await checks.note("created", worker_id=worker.id)
    except IntegrityError as exc:
        if not _is_duplicate_id(exc):
            raise
        # A concurrent registration of the same person committed first.
        async with checks.transaction("register", digest, lock=False):
            existing = await everyone.current_by_hash(digest)
            await checks.count("duplicate", worker_id=existing.id if existing else None)
        raise _registered_elsewhere(principal, existing) from None
    if existing is not None:
        raise _registered_elsewhere(principal, existing)
    return worker


def patch_request(patch: WorkerPatch, today: date) -> dict[str, Any]:
    """The fields a patch sends, in stored form, after the rules needing no worker."""
    requested = patch.model_dump(exclude_unset=True)
    if requested.get("service_start_date") is not None:
        rules.check_not_future("service_start_date", requested["service_start_date"], today)
    if requested.get("position_since") is not None:
        rules.check_not_future("position_since", requested["position_since"], today)
    if "concurrent_posts" in requested:
        requested["concurrent_posts"] = [
            {"position": p["position"], "since": p["since"].isoformat()}
            for p in requested["concurrent_posts"]
        ]
    return requested


def posts_changed(requested: dict[str, Any]) -> bool:
    return bool({"position", "position_since", "concurrent_posts"} & requested.keys())


def check_patch(worker: Worker, requested: dict[str, Any], today: date) -> ProblemError | None:
    """The rules of a change to this worker. The employment-type rule raises (it tells
    nothing about the birth date); an age refusal is returned, for the caller to count
    as a check before raising it."""
    if requested.get("position", worker.position) != worker.position:
        requested.setdefault("position_since", today)  # a new post starts a new term
    rules.check_employment_type(
        requested.get("employment_type", worker.employment_type),
        [
            requested.get("position", worker.position),
            *(p["position"] for p in requested.get("concurrent_posts", worker.concurrent_posts)),
        ],
    )
    try:
        if requested.get("service_start_date") is not None:
            rules.check_working_age(
                "service_start_date", worker.birth_date, requested["service_start_date"]
            )
        if posts_changed(requested):
            posts = _posts(
                requested.get("position", worker.position),
                requested.get("position_since", worker.position_since),
                requested.get("concurrent_posts", worker.concurrent_posts),
            )
            rules.check_concurrent_posts(posts[0].position, posts[1:], today)
            rules.check_post_ages(worker.birth_date, posts)
    except (UnderMinimumAge, BelowPostMinimumAge) as exc:
        return exc
    return None


def changed_fields(worker: Worker, requested: dict[str, Any]) -> list[str]:
    return sorted(k for k, v in requested.items() if getattr(worker, k) != v)


async def apply_patch(
    session: AsyncSession,
    worker: Worker,
    requested: dict[str, Any],
    changed: list[str],
    today: date,
    into: rules_stats.Changes,
) -> None:
    """Write checked changes: the row (one UPDATE), its event and those of its terms (one
    feed write), its counts (into `into`). A patch keeps the community, the grade and
    the qualification, so the counts move by the worker's own fields alone: no read."""
    before = tracking.own_profile(worker)
    values = {name: requested[name] for name in changed}
    values["updated_at"] = utcnow()
    await WorkerRepository(session, PLATFORM).write_fields(worker, values)
    after = tracking.own_profile(worker)
    if after != before:  # a name, phone or date changes no count
        rules_stats.stock_changes(before, after, today, into)
    async with batch(session):
        event = WorkerUpdated(**facts_of(worker), changed=changed)
        await publish(session, event, str(worker.id), worker.community_code)
        if posts_changed(requested):
            await follow_posts(session, worker, requested.get("position_since", today))


async def update(
    session: AsyncSession,
    principal: Principal,
    limit: Limit,
    worker_id: uuid.UUID,
    patch: WorkerPatch,
) -> Worker:
    today = today_in_china()
    requested = patch_request(patch, today)
    # Whether a date passes the working-age rule (or the minimum age of an elected post)
    # tells something about the birth date, so for a caller who may not see it the rule
    # is a check like a lookup.
    probe = (
        requested.get("service_start_date") is not None or posts_changed(requested)
    ) and not principal.sees_pii
    checks = IdChecks(session, principal, limit)
    async with checks.transaction("birth-date-rule", guarded=probe):
        worker = await load_for_change(WorkerRepository(session, principal), worker_id)
        refusal = check_patch(worker, requested, today)
        if probe:
            await checks.count("failed" if refusal else "passed", worker_id=worker.id)
        changed = [] if refusal else changed_fields(worker, requested)
        if changed:
            changes = rules_stats.Changes()
            await apply_patch(session, worker, requested, changed, today, changes)
            await writer.apply(session, changes)
    if refusal is not None:
        raise refusal
    return worker


async def _earliest_change(repo: WorkerRepository, worker: Worker) -> tuple[date, str]:
    """A transfer or exit is not before the last transfer, nor before the hire date."""
    last = await repo.last_transfer_date(worker.id)
    return (last, "the last transfer") if last else (worker.hire_date, "hire_date")


async def transfer(
    session: AsyncSession, principal: Principal, worker_id: uuid.UUID, body: TransferIn
) -> Worker:
    to_code = validate_community_code(body.to_community_code, "to_community_code")
    rules.check_not_future("effective_date", body.effective_date, today_in_china())
    repo = WorkerRepository(session, principal)
    async with session.begin():
        worker = await load_for_change(repo, worker_id)
        ensure_writable(principal, to_code)
        if to_code == worker.community_code:
            raise SameCommunity()
        target = await CommunityRepository(session, principal).get(to_code)
        if target is None:
            raise UnknownCommunity("to_community_code", to_code)
        check_open(to_code, target.valid_to, "to_community_code", body.effective_date)
        earliest, what = await _earliest_change(repo, worker)
        rules.check_not_before("effective_date", body.effective_date, earliest, what)
        from_code, previous_start = worker.community_code, worker.service_start_date
        before = await tracking.profile_of(session, worker)
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
            **facts_of(worker),
            from_community_code=from_code,
            effective_date=body.effective_date,
            service_years_carried=carried,
        )
        await publish(session, event, str(worker.id), to_code, from_code)
        await follow_posts(session, worker, body.effective_date)
        await tracking.record(
            session,
            before,
            await tracking.profile_of(session, worker),
            today_in_china(),
            [
                (from_code, "moved_out", body.effective_date, to_code),
                (to_code, "moved_in", body.effective_date, from_code),
            ],
        )
    return worker


async def exit_worker(
    session: AsyncSession,
    principal: Principal,
    worker_id: uuid.UUID,
    body: ExitIn,
    then: Callable[[Worker], Awaitable[None]] | None = None,
) -> Worker:
    """Record the exit (final). `then` runs in the same transaction once the exit is
    staged: the exit workflow closes its case there, all or nothing."""
    rules.check_not_future("exit_date", body.exit_date, today_in_china())
    repo = WorkerRepository(session, principal)
    async with session.begin():
        worker = await load_for_change(repo, worker_id)
        earliest, what = await _earliest_change(repo, worker)
        rules.check_not_before("exit_date", body.exit_date, earliest, what)
        held = [worker.position, *(p["position"] for p in worker.concurrent_posts)]
        rules.check_exit_reason(body.reason, held, worker.employment_type)
        before = await tracking.profile_of(session, worker)
        worker.status = "exited"
        worker.exit_reason = body.reason
        worker.exit_date = body.exit_date
        worker.exit_note = body.note
        worker.updated_at = utcnow()
        await end_on_exit(session, principal, worker.id, worker.community_code, body.exit_date)
        event = WorkerExited(
            worker_id=str(worker.id),
            community_code=worker.community_code,
            reason=body.reason,
            exit_date=body.exit_date,
        )
        await publish(session, event, str(worker.id), worker.community_code)
        await follow_posts(session, worker, body.exit_date)
        await tracking.record(
            session,
            before,
            None,
            today_in_china(),
            [(worker.community_code, "left", body.exit_date, None)],
        )
        if then is not None:
            await then(worker)
    return worker


async def get(session: AsyncSession, principal: Principal, worker_id: uuid.UUID) -> Worker:
    return await WorkerRepository(session, principal).get_or_404(worker_id)


async def lookup(
    session: AsyncSession, principal: Principal, pii: PiiCipher, limit: Limit, raw: str
) -> Worker:
    """The current worker with this number, in the caller's scope. A hit and a miss both
    count against the account's limit and are audited."""
    rid = rules.parse_id_number(raw, today_in_china())
    digest = pii.digest(rid.number)
    checks = IdChecks(session, principal, limit)
    async with checks.transaction("lookup", digest):
        worker = await WorkerRepository(session, principal).current_by_hash(digest)
        await checks.count(
            "found" if worker else "not-found", worker_id=worker.id if worker else None
        )
    if worker is None:
        raise CurrentWorkerNotFound()
    return worker


async def list_page(
    session: AsyncSession, principal: Principal, f: WorkerFilter, cursor: str | None, limit: int
) -> tuple[Sequence[Worker], str | None]:
    repo = WorkerRepository(session, principal)
    return await repo.page(repo.listing(f), cursor, limit)


async def transfers(
    session: AsyncSession, principal: Principal, worker_id: uuid.UUID
) -> Sequence[WorkerTransfer]:
    repo = WorkerRepository(session, principal)
    await repo.get_or_404(worker_id)  # 404 when the worker is out of scope
    return await repo.transfers(worker_id)
