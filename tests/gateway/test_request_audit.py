"""The request audit: every write through the gateway and every read of full ID numbers
is recorded (who, when, what, from where), searchable by admins within their region,
exported as Excel, and append-only down to the database."""

from __future__ import annotations

import asyncio
import io
import os
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import asyncpg
import pytest
from pydantic import ValidationError
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError, OperationalError

from cwp_common.auth import Principal
from cwp_common.settings import PlatformSettings
from cwp_gateway.app import create_app
from cwp_gateway.audit.models import RequestAudit, RequestAuditOutcome
from cwp_gateway.audit.recorder import GATHER_SECONDS
from cwp_gateway.config import Settings
from tests.gateway.conftest import make_user
from tests.gateway.servers import raw_server
from tests.gateway.stack import Stack, gateway_and_registry
from tests.gateway.test_resilience import gateway_to, read_request
from tests.support.answers import json_items

AUDIT = "/api/v1/audit/requests"
CREATED = b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


@pytest.fixture
async def stack(
    backend: str, tmp_path: Path, settings: Settings, platform: PlatformSettings
) -> AsyncIterator[Stack]:
    async with gateway_and_registry(backend, tmp_path, settings, platform) as s:
        yield s


async def flushed(stack: Stack) -> None:
    await stack.app.state.audit.flush()


async def test_writes_and_full_id_reads_are_recorded(stack: Stack) -> None:
    worker = await stack.add_worker()
    path = f"/api/v1/registry/workers/{worker['id']}"
    assert (await stack.gateway.get(path, headers=stack.admin)).status_code == 200  # pii
    viewer = await make_user(stack.gateway, stack.admin, "sh.viewer", ["viewer"], "31")
    assert (await stack.gateway.get(path, headers=viewer)).status_code == 200  # masked
    refused = await stack.gateway.post("/api/v1/registry/workers", json={}, headers=viewer)
    assert refused.status_code == 403
    await flushed(stack)

    rows = (await stack.gateway.get(AUDIT, headers=stack.admin, params={"limit": 500})).json()
    seen = [
        (r["actor"], r["method"], r["path"], r["status"], r["full_id_read"]) for r in rows["items"]
    ]
    assert ("root-admin", "POST", "/api/v1/registry/workers", 201, False) in seen
    assert ("root-admin", "GET", path, 200, True) in seen
    assert ("sh.viewer", "POST", "/api/v1/registry/workers", 403, False) in seen  # refused too
    assert not any(actor == "sh.viewer" and method == "GET" for actor, method, *_ in seen)
    one = rows["items"][0]
    assert all(one[k] for k in ("address", "request_id", "at"))

    reads = (
        await stack.gateway.get(AUDIT, headers=stack.admin, params={"full_id_read": "true"})
    ).json()
    assert [r["path"] for r in reads["items"]] == [path]


async def test_admins_see_their_region_only_and_others_nothing(stack: Stack) -> None:
    await stack.add_worker()
    gd_admin = await make_user(stack.gateway, stack.admin, "gd.admin", ["admin"], "44")
    sh_admin = await make_user(stack.gateway, stack.admin, "sh.admin", ["admin", "operator"], "31")
    await stack.gateway.post("/api/v1/registry/communities", json={}, headers=sh_admin)
    await flushed(stack)
    gd = (await stack.gateway.get(AUDIT, headers=gd_admin)).json()["items"]
    assert gd == []  # the national admin's and Shanghai's writes are not Guangdong's
    sh = (await stack.gateway.get(AUDIT, headers=sh_admin)).json()["items"]
    assert {r["actor"] for r in sh} == {"sh.admin"}
    viewer = await make_user(stack.gateway, stack.admin, "sh.v", ["viewer"], "31")
    assert (await stack.gateway.get(AUDIT, headers=viewer)).status_code == 403


async def test_the_export_is_an_excel_workbook_of_the_search(stack: Stack) -> None:
    await stack.add_worker()
    await flushed(stack)
    r = await stack.gateway.get(f"{AUDIT}/export", headers=stack.admin, params={"method": "POST"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    with zipfile.ZipFile(io.BytesIO(r.content)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        strings = book.read("xl/sharedStrings.xml").decode()
    assert "/api/v1/registry/workers" in strings
    assert "<f>" not in sheet  # values, never formulas


async def test_the_audit_is_append_only(stack: Stack) -> None:
    await stack.add_worker()
    await flushed(stack)
    methods = {
        method
        for path, item in stack.app.openapi()["paths"].items()
        if path.startswith("/api/v1/audit")
        for method in item
    }
    assert methods == {"get"}
    sessions = stack.app.state.runtime.sessions
    for statement in (
        update(RequestAudit).values(path="/elsewhere"),
        delete(RequestAudit),
        update(RequestAuditOutcome).values(status=200),
        delete(RequestAuditOutcome),
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with sessions() as s, s.begin():
                await s.execute(statement)
    async with sessions() as s:
        assert len((await s.scalars(RequestAudit.__table__.select())).all()) >= 2
        assert len((await s.scalars(RequestAuditOutcome.__table__.select())).all()) >= 2


async def test_a_write_is_on_record_before_its_answer_arrives(stack: Stack) -> None:
    """No flush and no wait: once the caller has the answer, the row is committed, so a
    crash of the gateway right after answering loses nothing."""
    for _ in range(3):
        worker = await stack.add_worker()
        async with stack.app.state.runtime.sessions() as session:
            paths = (
                await session.scalars(
                    select(RequestAudit.path).where(RequestAudit.method == "POST")
                )
            ).all()
        assert paths.count("/api/v1/registry/workers") >= 1
        read = f"/api/v1/registry/workers/{worker['id']}"
        assert (await stack.gateway.get(read, headers=stack.admin)).status_code == 200
        async with stack.app.state.runtime.sessions() as session:
            recorded = await session.scalar(
                select(func.count())
                .select_from(RequestAudit)
                .where(RequestAudit.path == read, RequestAudit.full_id_read.is_(True))
            )
        assert recorded == 1
    assert not stack.app.state.audit.requests.queue


async def test_a_batch_is_written_whole_or_not_at_all_and_a_failed_one_stays_queued(
    stack: Stack,
) -> None:
    """One bad row (an id already on record) fails its whole batch: none of its rows is
    written (on PostgreSQL the batch is one executemany, atomic by itself), and every row
    goes back to the queue rather than being lost."""
    audit = stack.app.state.audit
    await audit.stop()  # its writer task would retry the requeued rows meanwhile
    requests = audit.requests
    actor = Principal("auditor", "user", frozenset({"operator"}), "31")
    first = audit.row(actor, "POST", "/api/v1/registry/communities", "10.0.0.1", "r1")
    requests.put(first)
    assert await audit.flush() == 1
    good = audit.row(actor, "PATCH", "/api/v1/registry/workers/x", "10.0.0.1", "r2")
    again = dict(first, request_id="r3")  # the same id: the primary key refuses it
    with pytest.raises(DBAPIError):
        await requests._write([(good, None), (again, None)])
    async with stack.app.state.runtime.sessions() as session:
        ids = set((await session.scalars(select(RequestAudit.request_id))).all())
    assert "r1" in ids
    assert not ids & {"r2", "r3"}
    # Taken off the queue here, so the gateway's final flush does not meet the bad row.
    queued = [requests.queue.popleft()[0]["request_id"] for _ in range(len(requests.queue))]
    assert queued == ["r2", "r3"], "first in line again, in their order"


async def test_a_batch_waits_briefly_after_its_first_row(stack: Stack) -> None:
    """Group commit: a batch waits until `gather` seconds after its first row, so that the
    rows of requests arriving meanwhile share its commit; rows that come while it
    commits go in the next batch, which waits only what is left of the gather."""
    audit = stack.app.state.audit
    requests = audit.requests
    actor = Principal("auditor", "user", frozenset({"operator"}), "31")
    batches: list[list[str]] = []
    write_batch = requests._write
    commit_started = asyncio.Event()
    commit_may_end = asyncio.Event()

    async def counted(items: list[tuple[dict[str, Any], Any]]) -> int:
        batches.append([row["request_id"] for row, _ in items])
        commit_started.set()
        await commit_may_end.wait()
        return int(await write_batch(items))

    requests._write = counted  # the real writes, counted and held
    requests.gather = 0.3

    def row(request_id: str) -> dict[str, Any]:
        path = "/api/v1/registry/workers/x"
        return cast(dict[str, Any], audit.row(actor, "PATCH", path, "::1", request_id))

    # As the proxy queues them when requests go to their service (nobody waits yet).
    first = audit.begin(row("first"))
    await asyncio.sleep(0.1)
    second = audit.begin(row("second"))
    await asyncio.wait_for(commit_started.wait(), 4.0)
    assert batches == [["first", "second"]], "the second came within the gather"
    third = audit.begin(row("third"))
    await asyncio.sleep(0.4)  # longer than the gather: the third waits for the commit
    assert third is not None
    assert not third.done()
    commit_may_end.set()
    assert all(await asyncio.gather(*(audit.on_record(f) for f in (first, second, third))))
    assert batches == [["first", "second"], ["third"]]


async def test_an_answer_waiting_for_its_row_ends_the_gather(stack: Stack) -> None:
    """When a service answers before the gather has ended (a GET of full ID numbers is
    quick), the batch goes at once: the gather never holds an answer back."""
    audit = stack.app.state.audit
    audit.requests.gather = 30.0
    reader = Principal("auditor", "user", frozenset({"viewer", "pii"}), "31")
    path = "/api/v1/registry/workers/x"
    queued = audit.begin(audit.row(reader, "GET", path, "::1", "quick"))
    await asyncio.sleep(0.1)
    assert queued is not None
    assert not queued.done(), "gathering"
    assert await asyncio.wait_for(audit.on_record(queued), 5.0)


async def test_the_row_is_on_record_while_the_service_works(
    settings: Settings, platform: PlatformSettings
) -> None:
    """The request's row is committed while the service still works on it (no flush),
    without a status; the status follows as the answer's outcome."""
    reached, release = asyncio.Event(), asyncio.Event()

    async def slow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await read_request(reader)
        reached.set()
        await release.wait()
        writer.write(CREATED)
        await writer.drain()

    async with raw_server(slow) as (url, _), gateway_to(settings, platform, url) as (c, auth):

        async def entries() -> list[dict[str, Any]]:
            r = await c.get(AUDIT, headers=auth, params={"method": "POST"})
            return [e for e in json_items(r) if e["path"] == "/api/v1/registry/communities"]

        posting = asyncio.create_task(c.post("/api/v1/registry/communities", headers=auth, json={}))
        await asyncio.wait_for(reached.wait(), 5.0)
        for _ in range(100):  # a gather and a commit: milliseconds
            if await entries():
                break
            await asyncio.sleep(0.05)
        [entry] = await entries()
        assert not posting.done(), "the service has not answered yet"
        assert entry["status"] is None
        assert entry["actor"] == "root-admin"
        release.set()
        assert (await posting).status_code == 201
        for _ in range(100):  # the outcome's batch: a fifth of a second
            if (await entries())[0]["status"] is not None:
                break
            await asyncio.sleep(0.05)
        assert [e["status"] for e in await entries()] == [201]


async def test_a_failed_batch_keeps_its_waiting_requests(stack: Stack, backend: str) -> None:
    """A batch that fails goes back to the queue with its requests still waiting: the
    writer tries again after a second, and when the row is written within `wait_limit`
    the request learns it was (True) rather than timing out. The writer ends when the
    queue is empty."""
    if backend != "postgresql":
        pytest.skip("no server to end a SQLite connection")
    audit = stack.app.state.audit
    actor = Principal("auditor", "user", frozenset({"operator"}), "31")
    requests = audit.requests
    first = audit.row(actor, "POST", "/api/v1/registry/communities", "::1", "first")
    assert await audit.write(first)
    pid = requests._driver._conn.get_server_pid()
    audit.wait_limit = 5.0
    database = requests._driver._conn._params.database
    admin = await asyncpg.connect(os.environ["TEST_DATABASE_URL"])  # on another database
    try:
        await admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
        await admin.execute("SELECT pg_terminate_backend($1)", pid)
        row = audit.row(actor, "PATCH", "/api/v1/registry/workers/x", "::1", "retried")
        answered = asyncio.create_task(audit.write(row))
        for _ in range(100):  # until a batch has failed (no connection) and waits to retry
            await asyncio.sleep(0.02)
            if requests._writer is not None and not requests._writing and requests.queue:
                break
        assert requests.queue, "the failed row is queued again"
        assert not answered.done(), "and its request still waits"
    finally:
        await admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
        await admin.close()
    assert await asyncio.wait_for(answered, 10.0), "written on the next try, and said so"
    assert requests._driver._conn.get_server_pid() != pid
    await asyncio.sleep(0)
    assert not requests.queue
    assert requests._writer is None, "the writer ends with the queue"
    async with stack.app.state.runtime.sessions() as session:
        ids = (await session.scalars(select(RequestAudit.request_id))).all()
    assert list(ids).count("retried") == 1


async def test_a_lost_database_connection_costs_a_try_not_a_row(stack: Stack, backend: str) -> None:
    """The audit writes on a driver connection of its own: when PostgreSQL ends it, a
    batch may fail (and stay queued); the next try opens a new connection."""
    if backend != "postgresql":
        pytest.skip("no server to end a SQLite connection")
    audit = stack.app.state.audit
    await audit.stop()
    requests = audit.requests
    actor = Principal("auditor", "user", frozenset({"operator"}), "31")
    requests.put(audit.row(actor, "POST", "/api/v1/registry/communities", "::1", "r1"))
    assert await requests.flush() == 1
    pid = requests._driver._conn.get_server_pid()
    async with stack.app.state.runtime.sessions() as session:
        await session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    requests.put(audit.row(actor, "PATCH", "/api/v1/registry/workers/x", "::1", "r2"))
    try:  # fails if the driver had not yet seen its connection end
        written = await requests.flush()
    except OperationalError:
        written = await requests.flush()
    assert written == 1
    assert requests._driver._conn.get_server_pid() != pid
    async with stack.app.state.runtime.sessions() as session:
        ids = (await session.scalars(select(RequestAudit.request_id))).all()
    assert sorted(i for i in ids if i in ("r1", "r2")) == ["r1", "r2"]  # each once


async def test_a_batch_in_flight_when_the_gateway_stops_is_written(
    stack: Stack, backend: str
) -> None:
    """Stopping used to cancel the writer mid-batch: the rows it had taken were neither
    written nor queued again. Now the batch finishes first (here it waits for a lock
    another transaction holds on the table, released while the gateway stops)."""
    if backend != "postgresql":
        pytest.skip("a PostgreSQL table lock holds the batch in flight")
    audit = stack.app.state.audit
    actor = Principal("auditor", "user", frozenset({"operator"}), "31")
    engine = stack.app.state.runtime.sessions.kw["bind"]
    async with engine.connect() as locker:
        await locker.execute(text("LOCK TABLE request_audit IN ACCESS EXCLUSIVE MODE"))
        row = audit.row(actor, "POST", "/api/v1/registry/communities", "::1", "in-flight")
        answered = asyncio.create_task(audit.write(row))
        for _ in range(100):  # until the batch waits for the lock
            waiting = await locker.scalar(
                text(
                    "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = CAST(:t AS regclass)"
                ),
                {"t": "request_audit"},
            )
            if waiting:
                break
            await asyncio.sleep(0.05)
        assert waiting, "the batch never reached the database"
        stopping = asyncio.create_task(audit.stop())
        await asyncio.sleep(0.3)
        assert not stopping.done(), "stop did not wait for the batch in flight"
        await locker.rollback()  # the lock goes; the batch commits
    await stopping
    await answered
    async with stack.app.state.runtime.sessions() as session:
        ids = (await session.scalars(select(RequestAudit.request_id))).all()
    assert list(ids).count("in-flight") == 1


def test_the_gather_is_a_setting_within_bounds(
    settings: Settings, platform: PlatformSettings
) -> None:
    """GATEWAY_AUDIT_GATHER_SECONDS reaches the recorder; a negative wait, or one long
    enough to hold every audited answer noticeably, is refused at start."""
    longer = settings.model_copy(update={"audit_gather_seconds": 0.01})
    assert create_app(longer, platform).state.audit.requests.gather == 0.01
    assert create_app(settings, platform).state.audit.requests.gather == GATHER_SECONDS
    for bad in ("-0.001", "0.5", "soon"):
        with pytest.raises(ValidationError):
            Settings.model_validate({"audit_gather_seconds": bad})
