"""Bugs Schemathesis found, each with a test that failed before its fix."""

from __future__ import annotations

from pathlib import Path

from cwp_common.settings import PlatformSettings
from tests.openapi.stack import service_app
from tests.support.apps import running
from tests.support.tokens import Tokens


async def test_a_second_plan_of_the_same_title_is_a_conflict_not_a_server_error(
    backend: str, tmp_path: Path, platform_settings: PlatformSettings, tokens: Tokens
) -> None:
    admin = tokens.headers(["admin", "operator"])
    app = await service_app("training", backend, tmp_path, platform_settings)
    async with running(app) as client:
        body = {"jurisdiction": "31", "title": "2026年度培训", "year": 2026}
        first = await client.post("/api/v1/training/plans", json=body, headers=admin)
        assert first.status_code == 201, first.text
        again = await client.post("/api/v1/training/plans", json=body, headers=admin)
        assert again.status_code == 409, again.text
        assert again.headers["content-type"] == "application/problem+json"
        assert again.json()["type"] == "urn:cwp:problem:plan-exists"
        plans = await client.get("/api/v1/training/plans", headers=admin)
        assert [p["id"] for p in plans.json()["items"]] == [first.json()["id"]]


async def test_a_method_a_path_does_not_serve_is_405_naming_every_method_it_does(
    backend: str, tmp_path: Path, platform_settings: PlatformSettings, tokens: Tokens
) -> None:
    """GET and POST /assessments are two endpoints; PATCH /assessments/bulk is no
    assessment id (it was a 422 for a bad UUID, and Allow named one method)."""
    admin = tokens.headers(["admin", "operator"])
    app = await service_app("career", backend, tmp_path, platform_settings)
    async with running(app) as client:
        r = await client.request("PUT", "/api/v1/career/assessments", headers=admin)
        assert r.status_code == 405
        assert r.headers["allow"] == "GET, POST"
        r = await client.patch("/api/v1/career/assessments/bulk", json={}, headers=admin)
        assert r.status_code == 405
        assert r.headers["content-type"] == "application/problem+json"
        assert r.headers["allow"] == "POST"


async def test_a_resource_url_longer_than_its_column_is_refused_not_a_server_error(
    backend: str, tmp_path: Path, platform_settings: PlatformSettings, tokens: Tokens
) -> None:
    admin = tokens.headers(["admin", "operator"])
    app = await service_app("training", backend, tmp_path, platform_settings)
    async with running(app) as client:
        body = {
            "jurisdiction": "31",
            "kind": "case",
            "title": "案例",
            "topics": ["mass_work"],
            "url": "https://example.org/" + "a" * 600,
        }
        r = await client.post("/api/v1/training/resources", json=body, headers=admin)
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"] == "url"
        body["url"] = "https://example.org/" + "a" * 400
        r = await client.post("/api/v1/training/resources", json=body, headers=admin)
        assert r.status_code == 201, r.text
