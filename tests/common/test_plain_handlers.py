"""The planned handlers (cwp_common.request_handlers) answer exactly as FastAPI's own: the same
routes served both ways, the same requests, the same status, headers and bytes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.responses import PlainTextResponse, Response

from cwp_common.request_handlers import install_plain_handlers, plain_handler
from cwp_common.routing import route_directly


class Thing(BaseModel):
    id: uuid.UUID
    limit: int
    tags: list[str]
    trace: str | None = None
    user: str
    seen: int  # how many times the token dependency ran for this request


class ThingIn(BaseModel):
    name: str


async def user(request: Request) -> str:
    request.state.seen = getattr(request.state, "seen", 0) + 1
    name = request.headers.get("x-user")
    if not name:
        raise HTTPException(401, "who are you")
    return name


async def admin(request: Request, name: Annotated[str, Depends(user)]) -> str:
    """A dependency on another: `user` still runs once per request."""
    if name != "admin":
        raise HTTPException(403, "admins only")
    return name


async def audited(request: Request) -> None:
    request.state.audited = True


def sync_dependency() -> str:  # FastAPI runs it in a thread: not plain
    return "sync"


User = Annotated[str, Depends(user)]


def make_router() -> APIRouter:
    router = APIRouter(prefix="/things")

    @router.get("/raw", dependencies=[Depends(audited)])
    async def raw(request: Request, who: User) -> Response:
        return PlainTextResponse(f"{who} audited={request.state.audited}")

    @router.get("/{thing_id}", response_model_exclude_none=True)
    async def get_thing(
        thing_id: uuid.UUID,
        request: Request,
        who: User,
        boss: Annotated[str, Depends(admin)],
        limit: Annotated[int, Query(ge=1, le=10)] = 5,
        tags: Annotated[list[str], Query()] = [],  # noqa: B006 (FastAPI copies defaults)
        x_trace: Annotated[str | None, Header()] = None,
    ) -> Thing:
        return Thing(
            id=thing_id, limit=limit, tags=tags, trace=x_trace, user=who, seen=request.state.seen
        )

    @router.delete("/{thing_id}", status_code=204)
    async def delete_thing(thing_id: uuid.UUID, who: User) -> None:
        return None

    @router.post("", status_code=201)
    async def add_thing(body: ThingIn, who: User) -> dict[str, str]:
        return {"name": body.name, "by": who}

    @router.get("/sync/{thing_id}")
    async def sync_thing(
        thing_id: uuid.UUID, value: Annotated[str, Depends(sync_dependency)]
    ) -> str:
        return value

    return router


def make_app(planned: bool, direct: bool = False) -> FastAPI:
    """`direct`: the router also routes its own requests, and a planned handler is then
    called without FastAPI's wrapper (cwp_common.request_handlers.route_app)."""
    router = make_router()
    if planned:
        for route in router.routes:
            assert isinstance(route, APIRoute)
            install_plain_handlers(route)
    app = FastAPI()
    app.include_router(router)
    if direct:
        route_directly(app, app.router.routes[-1], router)
    return app


THING = str(uuid.uuid4())
ADMIN = {"x-user": "admin"}
REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", f"/things/{THING}", {"headers": ADMIN}),
    ("GET", f"/things/{THING}?limit=3&tags=a&tags=b", {"headers": ADMIN | {"x-trace": "t"}}),
    ("GET", f"/things/{THING}?limit=0", {"headers": ADMIN}),  # 422: below its minimum
    ("GET", f"/things/{THING}?limit=x&tags=a", {"headers": ADMIN}),  # 422
    ("GET", "/things/not-a-uuid?limit=99", {"headers": ADMIN}),  # 422 on both parameters
    ("GET", f"/things/{THING}", {}),  # 401 from the dependency, before the parameters
    ("GET", f"/things/{THING}?limit=0", {"headers": {"x-user": "bob"}}),  # 403
    ("GET", "/things/raw", {"headers": ADMIN}),  # the endpoint's own Response
    ("DELETE", f"/things/{THING}", {"headers": ADMIN}),  # 204, no body
    ("POST", "/things", {"headers": ADMIN, "json": {"name": "n"}}),  # FastAPI's handler
    ("POST", "/things", {"headers": ADMIN, "json": {}}),
    ("GET", f"/things/sync/{THING}", {}),  # FastAPI's handler
]


async def answers(app: FastAPI) -> list[tuple[int, str, bytes]]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        found = []
        for method, url, kwargs in REQUESTS:
            r = await client.request(method, url, **kwargs)
            found.append((r.status_code, r.headers.get("content-type", ""), r.content))
        return found


@pytest.mark.parametrize("direct", [False, True])
async def test_the_planned_handlers_answer_as_fastapi_does(direct: bool) -> None:
    planned, fastapi = await answers(make_app(True, direct)), await answers(make_app(False))
    assert planned == fastapi
    statuses = [status for status, _, _ in planned]
    assert statuses == [200, 200, 422, 422, 422, 401, 403, 200, 204, 201, 422, 200]
    assert b'"seen":1' in planned[0][2], "a dependency used twice runs once"
    assert b'"trace"' not in planned[0][2], "response_model_exclude_none applies"


def handler_of(router: APIRouter, name: str) -> Callable[..., Any]:
    route = next(r for r in router.routes if isinstance(r, APIRoute) and r.name == name)
    return plain_handler(route, fastapi_handler)


async def fastapi_handler(request: Request) -> Response:
    raise AssertionError("a sentinel, never called")


@pytest.mark.parametrize(
    ("name", "planned"),
    [
        ("get_thing", True),
        ("raw", True),
        ("delete_thing", True),
        ("add_thing", False),  # a body
        ("sync_thing", False),  # a sync dependency
    ],
)
def test_only_plain_routes_are_planned(name: str, planned: bool) -> None:
    assert (handler_of(make_router(), name) is not fastapi_handler) is planned


@pytest.mark.parametrize("direct", [False, True])
async def test_dependency_overrides_are_honoured(direct: bool) -> None:
    app = make_app(True, direct)

    async def everyone(request: Request) -> str:
        request.state.seen = 1
        return "admin"

    app.dependency_overrides[user] = everyone
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        r = await client.get(f"/things/{THING}")
    assert r.status_code == 200, r.text
    assert r.json()["user"] == "admin"
