"""An included router that routes its own requests (cwp_common.routing.route_directly)
answers every request as FastAPI's routing does: a full match, a path served only for
another method (405 and its Allow header), a route with a body, a path nobody serves,
routes of two routers, and dependency overrides."""

from __future__ import annotations

from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Request
from pydantic import BaseModel

from cwp_common import routing
from cwp_common.request_handlers import route_app
from cwp_common.routing import route_directly


class Note(BaseModel):
    text: str


async def caller(request: Request) -> str:
    return request.headers.get("x-user", "nobody")


Caller = Annotated[str, Depends(caller)]


def make_app(direct: bool) -> FastAPI:
    notes = APIRouter(prefix="/api/notes")

    @notes.get("/{note_id}")
    async def read(note_id: int, who: Caller, request: Request) -> dict[str, Any]:
        return {"id": note_id, "who": who, "route": request.scope["route"].path}

    @notes.delete("/{note_id}", status_code=204)
    async def remove(note_id: int) -> None:
        return None

    @notes.put("/{note_id}")  # a body: FastAPI routes it
    async def replace(note_id: int, body: Note) -> dict[str, Any]:
        return {"id": note_id, "text": body.text}

    @notes.get("/{note_id}/copy")  # after a route whose path it does not match
    async def copy(note_id: int) -> dict[str, int]:
        return {"copy_of": note_id}

    tags = APIRouter(prefix="/api/tags")

    @tags.get("")
    async def all_tags(who: Caller) -> list[str]:
        return [who]

    app = FastAPI()
    for router in (notes, tags):
        app.include_router(router)
        if direct:
            route_directly(app, app.router.routes[-1], router)
    return app


REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/api/notes/7", {"headers": {"x-user": "li"}}),
    ("GET", "/api/notes/x", {}),  # 422: a bad id, as FastAPI answers it
    ("DELETE", "/api/notes/7", {}),  # the same path, another route
    ("POST", "/api/notes/7", {}),  # 405, with the Allow header
    ("PUT", "/api/notes/7", {"json": {"text": "t"}}),
    ("PUT", "/api/notes/7", {"json": {}}),
    ("GET", "/api/notes/7/copy", {}),
    ("GET", "/api/notes/7/nothing", {}),  # 404 inside the prefix
    ("GET", "/api/tags", {"headers": {"x-user": "wang"}}),
    ("GET", "/api/elsewhere", {}),  # 404 outside every prefix
]


async def answers(app: FastAPI) -> list[tuple[int, str, str, bytes]]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        found = []
        for method, url, kwargs in REQUESTS:
            r = await client.request(method, url, **kwargs)
            found.append((r.status_code, r.headers.get("allow", ""), r.text, r.content))
        return found


async def test_direct_routing_answers_as_fastapi_routing_does() -> None:
    direct, fastapi = await answers(make_app(True)), await answers(make_app(False))
    assert direct == fastapi
    assert [status for status, _, _, _ in direct] == [
        200,
        422,
        204,
        405,
        200,
        422,
        200,
        404,
        200,
        404,
    ]
    assert direct[0][2] == '{"id":7,"who":"li","route":"/api/notes/{note_id}"}'
    assert direct[3][1] == "GET"  # FastAPI names the methods of the path's first route


async def test_dependency_overrides_go_through_fastapi_routing() -> None:
    app = make_app(True)

    async def everyone() -> str:
        return "override"

    app.dependency_overrides[caller] = everyone
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        r = await client.get("/api/tags")
    assert r.json() == ["override"]


async def test_full_matches_without_a_body_are_served_directly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: list[str] = []
    build = route_app  # the one cwp_common.routing calls

    def counted(route: Any) -> Any:
        built.append(route.name)
        return build(route)

    monkeypatch.setattr(routing, "route_app", counted)
    await answers(make_app(True))
    assert sorted(built) == ["all_tags", "copy", "read", "remove"], "each once; not replace"


def indexed_app(index: bool) -> FastAPI:
    """Routes of every kind, in an order where it matters: a parameter in the first
    segment, a top-level route after a router whose route also matches its path, a
    mount, a trailing slash."""
    app = make_app(True)

    @app.get("/api/notes/special")  # the notes router's /{note_id} comes first: 422
    async def special() -> str:
        return "special"

    @app.get("/files/{name}")
    async def file(name: str) -> str:
        return name

    @app.get("/{page}")
    async def page(page: str) -> str:
        return f"page {page}"

    @app.get("/slash/")
    async def slash() -> str:
        return "slash"

    static = FastAPI()

    @static.get("/{name}")
    async def asset(name: str) -> str:
        return f"asset {name}"

    app.mount("/static", static)
    if index:
        routing.index_routes(app)
    return app


INDEXED_REQUESTS = [
    "/api/notes/7",
    "/api/notes/special",
    "/api/tags",
    "/api/tags/",  # a slash redirect
    "/files/a.txt",
    "/files",  # /{page}
    "/docs",
    "/docs/",
    "/anything",
    "/slash",  # /{page}, before any slash redirect
    "/slash/",
    "/static/app.js",
    "/static",
    "/a/b/c",  # nobody's
]


async def test_the_route_index_finds_what_fastapis_loop_finds() -> None:
    found: dict[bool, list[tuple[int, str, bytes]]] = {}
    for index in (True, False):
        transport = httpx.ASGITransport(app=indexed_app(index))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            found[index] = []
            for url in INDEXED_REQUESTS:
                r = await client.get(url)
                found[index].append((r.status_code, r.headers.get("location", ""), r.content))
    assert found[True] == found[False]
    assert [status for status, _, _ in found[True]] == [
        200, 422, 200, 307, 200, 200, 200, 307, 200, 200, 200, 200, 200, 404,
    ]  # fmt: skip


async def test_a_request_tries_only_the_routes_that_could_match_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = indexed_app(True)
    tried: list[str] = []
    for route in app.router.routes[1:]:
        name: str = getattr(route, "path", "") or getattr(route, routing.PREFIX, "?")
        matches = route.matches

        def counted(scope: Any, name: str = name, matches: Any = matches) -> Any:
            tried.append(name)
            return matches(scope)

        monkeypatch.setattr(route, "matches", counted)
    app.router.routes[0]._size = -1  # type: ignore[attr-defined]  # index the counted ones
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.get("/api/tags")).json() == ["nobody"]
        assert tried == ["/api/tags"], "its router, which comes before the /{page} route"
        tried.clear()
        assert (await client.get("/anything")).text == '"page anything"'
        assert tried == ["/{page}"]
        tried.clear()
        assert (await client.get("/docs")).status_code == 200
        assert tried == ["/docs"]


async def test_routes_added_later_are_indexed() -> None:
    app = indexed_app(True)

    @app.get("/later/{n}")
    async def later(n: int) -> int:
        return n

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.get("/later/3")).json() == 3
    assert app.url_path_for("later", n=4) == "/later/4"
