"""The shared request path (cwp_common.service, cwp_common.web): a request's database
sessions are closed once its answer is out, whatever the answer; an included router
answers only for paths under its prefix, and routing stays what FastAPI's is."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import StreamingResponse
from sqlalchemy import text

from cwp_common.auth import Reader
from cwp_common.db import new_metadata
from cwp_common.events.tables import event_tables
from cwp_common.problems import InvalidInput
from cwp_common.service import (
    Runtime,
    ServiceSpec,
    SessionDep,
    TransactionSessionDep,
    create_service_app,
)
from cwp_common.settings import PlatformSettings
from tests.support.apps import running
from tests.support.tokens import Tokens


def routers() -> list[APIRouter]:
    first = APIRouter(prefix="/api/v1/registry/first")
    second = APIRouter(prefix="/api/v1/registry/second")

    @first.get("/{n}")
    async def read_first(n: int, principal: Reader, session: SessionDep) -> dict[str, int]:
        return {"first": int(await session.scalar(text("SELECT :n"), {"n": n}))}

    @second.get("/{n}")
    async def read_second(n: int, principal: Reader, session: SessionDep) -> dict[str, int]:
        return {"second": int(await session.scalar(text("SELECT :n"), {"n": n}))}

    @second.put("/{n}")
    async def refuse(n: int, principal: Reader, session: SessionDep) -> None:
        await session.execute(text("SELECT 1"))
        raise InvalidInput("n", "refused after a query")

    @second.get("/{n}/stream")
    async def stream(
        n: int, principal: Reader, session: TransactionSessionDep
    ) -> StreamingResponse:
        async def rows() -> AsyncIterator[bytes]:
            for i in range(n):  # the session is still open while the body streams
                yield f"{await session.scalar(text('SELECT :i'), {'i': i})}\n".encode()

        return StreamingResponse(rows(), media_type="text/plain")

    return [first, second]


def service(platform: PlatformSettings, tmp: Path) -> FastAPI:
    return create_service_app(
        ServiceSpec(
            name="registry",
            title="request path",
            database_url=f"sqlite+aiosqlite:///{tmp / 'path.db'}",
            tables=event_tables(new_metadata()),
            routers=routers(),
            create_schema=True,
        ),
        platform,
    )


def checked_out(rt: Runtime) -> int:
    engines = {id(e.pool): e for e in (rt.engine, rt.read_engine) if e is not None}
    return sum(e.pool.checkedout() for e in engines.values())  # type: ignore[attr-defined]


async def test_sessions_close_after_every_kind_of_answer(
    platform_settings: PlatformSettings, tokens: Tokens, tmp_path: Path
) -> None:
    app = service(platform_settings, tmp_path)
    headers = tokens.headers(["viewer"], "31")
    async with running(app) as client:
        rt: Runtime = app.state.runtime
        r = await client.get("/api/v1/registry/second/7", headers=headers)
        assert r.json() == {"second": 7}
        r = await client.put("/api/v1/registry/second/7", headers=headers)
        assert r.status_code == 422
        r = await client.get("/api/v1/registry/second/3/stream", headers=headers)
        assert r.text == "0\n1\n2\n"
        assert checked_out(rt) == 0


async def test_routing_by_prefix_keeps_fastapis_answers(
    platform_settings: PlatformSettings, tokens: Tokens, tmp_path: Path
) -> None:
    app = service(platform_settings, tmp_path)
    headers = tokens.headers(["viewer"], "31")
    async with running(app) as client:
        assert (await client.get("/api/v1/registry/first/1", headers=headers)).json() == {
            "first": 1
        }
        assert (await client.get("/api/v1/registry/second/2", headers=headers)).json() == {
            "second": 2
        }
        wrong = await client.post("/api/v1/registry/second/2", headers=headers)
        assert wrong.status_code == 405
        assert wrong.headers["allow"] == "GET, PUT"
        assert (await client.get("/api/v1/registry/third/2", headers=headers)).status_code == 404
        assert (await client.get("/api/v1/registry/first/x", headers=headers)).status_code == 422
        assert (await client.get("/livez")).status_code == 200
