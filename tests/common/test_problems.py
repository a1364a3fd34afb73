"""Every failure becomes RFC 9457 problem+json with a stable type, never a bare 500."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy.exc import DataError, OperationalError

from cwp_common.problems import Conflict, install_problem_handlers

app = FastAPI()
install_problem_handlers(app)


class Body(BaseModel):
    count: int


@app.post("/echo")
async def echo(body: Body) -> Body:
    return body


@app.get("/conflict")
async def conflict() -> None:
    raise Conflict("duplicate", "Already there / 已存在")


@app.get("/busy")
async def busy() -> None:
    raise OperationalError("UPDATE x", {}, Exception("database is locked"))


@app.get("/bad-data")
async def bad_data() -> None:
    raise DataError("INSERT x", {}, Exception("value too long"))


@app.get("/boom")
async def boom() -> None:
    raise RuntimeError("a bug")


@pytest.fixture
async def client() -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://t")


def problem(r: httpx.Response, status: int, slug: str) -> dict[str, object]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["type"] == f"urn:cwp:problem:{slug}"
    assert body["status"] == status
    return dict(body)


async def test_malformed_json_is_400(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/echo", content=b'{"count": ', headers={"content-type": "application/json"}
    )
    problem(r, 400, "malformed-json")


async def test_validation_errors_name_the_field(client: httpx.AsyncClient) -> None:
    body = problem(await client.post("/echo", json={"count": "many"}), 422, "validation-error")
    assert body["errors"][0]["field"] == "count"  # type: ignore[index]


async def test_domain_problem_keeps_its_slug_and_detail(client: httpx.AsyncClient) -> None:
    body = problem(await client.get("/conflict"), 409, "duplicate")
    assert body["detail"] == "Already there / 已存在"


async def test_database_busy_is_503_with_retry_after(client: httpx.AsyncClient) -> None:
    r = await client.get("/busy")
    problem(r, 503, "database-busy")
    assert r.headers["retry-after"] == "1"


async def test_value_the_database_refuses_is_422(client: httpx.AsyncClient) -> None:
    problem(await client.get("/bad-data"), 422, "invalid-data")


async def test_unknown_route_and_bug_are_problems_too(client: httpx.AsyncClient) -> None:
    problem(await client.get("/nowhere"), 404, "not-found")
    body = problem(await client.get("/boom"), 500, "internal-error")
    assert "a bug" not in str(body), "internals are logged, not shown"
