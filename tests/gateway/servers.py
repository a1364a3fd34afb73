"""Real HTTP inside a test: an ASGI app under uvicorn on a free port of 127.0.0.1, and a
small service built with the platform's own factory to stand behind the gateway."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.middleware.gzip import GZipMiddleware

from cwp_common.auth import Reader
from cwp_common.settings import PlatformSettings
from tests.support.apps import registry_named_app


def unused_port() -> int:
    """A port nothing listens on (connections to it are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


RawBehaviour = Callable[[asyncio.StreamReader, asyncio.StreamWriter, int], Awaitable[None]]


@asynccontextmanager
async def raw_server(behaviour: RawBehaviour) -> AsyncIterator[tuple[str, list[int]]]:
    """A TCP server whose n-th connection gets `behaviour(reader, writer, n)`, for answers
    no real server gives; yields its URL and the list of connection numbers seen. A peer
    that goes away ends its behaviour quietly."""
    seen: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(len(seen))
        try:
            await behaviour(reader, writer, seen[-1])
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        server.close()


@asynccontextmanager
async def serve(app: Any, **options: Any) -> AsyncIterator[str]:
    """Run `app` with its lifespan under uvicorn in this event loop; yields its base URL."""
    # proto IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say TCP, and
    # without it every answer on a kept-alive connection waited 40 ms for a delayed ACK
    # (Nagle), as it would not under uvicorn's own socket.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    options.setdefault("log_level", "warning")
    options.setdefault("access_log", False)
    config = uvicorn.Config(app, lifespan="on", timeout_graceful_shutdown=2, **options)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("the server stopped during start-up")
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


def echo_service(platform: PlatformSettings, tmp: Path) -> FastAPI:
    """A service named "registry" built like the real ones (token check, EdgeMiddleware),
    whose endpoints report what reached them."""
    router = APIRouter(prefix="/api/v1/registry")

    async def echo(request: Request, rest: str) -> Response:
        request.app.state.hits += 1
        body = await request.body()
        return JSONResponse(
            {
                "method": request.method,
                "raw_path": request.scope["raw_path"].decode(),
                "query": request.scope["query_string"].decode(),
                "body": body.decode("latin-1"),
                "headers": [[k.decode(), v.decode()] for k, v in request.scope["headers"]],
            },
            status_code=int(request.headers.get("x-want-status", "200")),
            headers={
                "X-Upstream": "echo",
                "Set-Cookie": "session=upstream; Path=/",
                "X-Up-Hop": "1",
                "Connection": "X-Up-Hop",
            },
        )

    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):  # an operation id each
        router.add_api_route(
            "/echo/{rest:path}", echo, methods=[method], operation_id=f"echo_{method.lower()}"
        )

    @router.get("/whoami")
    async def whoami(principal: Reader) -> dict[str, Any]:
        return {
            "subject": principal.subject,
            "kind": principal.kind,
            "roles": sorted(principal.roles),
            "region": principal.region,
        }

    @router.get("/slow")
    async def slow(seconds: float) -> dict[str, str]:
        await asyncio.sleep(seconds)
        return {"status": "late"}

    @router.get("/trickle")
    async def trickle(pause: float) -> StreamingResponse:
        async def body() -> AsyncIterator[bytes]:
            yield b'{"first": 1, '
            await asyncio.sleep(pause)
            yield b'"second": 2}'

        return StreamingResponse(body(), media_type="application/json")

    @router.get("/big")
    async def big(size: int) -> Response:
        # Built by repetition, not byte by byte: it must not eat the proxy's read timeout
        # on a loaded machine.
        body = (bytes(range(251)) * (size // 251 + 1))[:size]
        return Response(body, media_type="application/octet-stream")

    @router.get("/redirect")
    async def redirect() -> Response:
        return Response(status_code=307, headers={"Location": "/elsewhere"})

    @router.delete("/nothing")
    async def nothing() -> Response:
        return Response(status_code=204)

    app = registry_named_app(platform, tmp, "echo", router, events=False)
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    app.state.hits = 0
    return app
