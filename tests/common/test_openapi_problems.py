"""Every service's OpenAPI document lists the problem+json answers its routes really give
(cwp_common.openapi), and the answers match what is documented."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

import cwp_common.openapi as openapi_module
from cwp_career.app import create_app as career_app
from cwp_career.config import Settings as CareerSettings
from cwp_common.problems import PROBLEM_MEDIA_TYPE
from cwp_common.settings import PlatformSettings
from cwp_gateway.app import create_app as gateway_app
from cwp_gateway.config import Settings as GatewaySettings
from cwp_registry.app import create_app as registry_app
from cwp_registry.config import Settings as RegistrySettings
from tests.support.apps import running
from tests.support.tokens import Tokens


def apps(tmp: Path, platform: PlatformSettings) -> dict[str, FastAPI]:
    sqlite = f"sqlite+aiosqlite:///{tmp}"
    return {
        "registry": registry_app(RegistrySettings(database_url=f"{sqlite}/r.db"), platform),
        "career": career_app(CareerSettings(database_url=f"{sqlite}/c.db"), platform),
        "gateway": gateway_app(
            GatewaySettings(
                database_url=f"{sqlite}/g.db", jwt_private_key_path=tmp / "jwt-private.pem"
            ),
            platform,
        ),
    }


# Routes that take no token: signing in, redeeming an activation code, and applicants'
# own recruitment path.
TOKENLESS = ("/api/v1/auth/token", "/api/v1/auth/activate", "/api/v1/registry/recruitment/public/")


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, item in document["paths"].items()
        for method, op in item.items()
    ]


@pytest.mark.parametrize("service", ["registry", "career", "gateway"])
def test_every_error_answer_is_documented_as_a_problem(
    service: str, tmp_path: Path, platform_settings: PlatformSettings
) -> None:
    document = apps(tmp_path, platform_settings)[service].openapi()
    assert "Problem" in document["components"]["schemas"]
    assert "HTTPValidationError" not in document["components"]["schemas"]
    ops = operations(document)
    assert ops
    for method, path, op in ops:
        responses = op["responses"]
        where = f"{service} {method} {path}"
        assert "500" in responses, where
        for status, answer in responses.items():
            if status[0] in "45":
                assert list(answer["content"]) == [PROBLEM_MEDIA_TYPE], (where, status)
        if "{" in path:
            assert "404" in responses, where
        if op.get("requestBody"):
            assert {"400", "413", "422"} <= set(responses), where
        if not path.startswith(TOKENLESS):
            assert {"401", "403"} <= set(responses), where


async def test_a_real_problem_answer_is_what_the_document_says(
    tmp_path: Path, platform_settings: PlatformSettings, tokens: Tokens
) -> None:
    app = registry_app(
        RegistrySettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/r.db"),
        platform_settings,
        create_schema=True,
    )
    async with running(app) as client:
        path = "/api/v1/registry/workers/{worker_id}"
        documented = app.openapi()["paths"][path]["get"]["responses"]
        for headers, status in (
            ({}, 401),
            (tokens.headers(["viewer"]), 404),
        ):
            r: httpx.Response = await client.get(
                path.format(worker_id="01900000-0000-7000-8000-000000000001"), headers=headers
            )
            assert r.status_code == status
            assert r.headers["content-type"].split(";")[0] in documented[str(status)]["content"]
        # An id that is no UUID matches no route: not found (cwp_common.service.match_ids_only).
        r = await client.get(
            "/api/v1/registry/workers/not-a-uuid", headers=tokens.headers(["viewer"])
        )
        assert r.status_code == 404
        assert r.headers["content-type"] == PROBLEM_MEDIA_TYPE


def test_a_document_is_built_once_per_process_and_each_app_has_its_own_copy(
    tmp_path: Path, platform_settings: PlatformSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second app of the same service gets the same document without building it again
    (a suite builds one app per test), as a copy of its own: changing one app's document
    changes no other's. An app of other routes gets its own document."""
    first = apps(tmp_path, platform_settings)
    second = apps(tmp_path, platform_settings)
    built = first["registry"].openapi()
    calls: list[str] = []
    real = openapi_module._build

    def counting(app: FastAPI) -> dict[str, Any]:
        calls.append(app.title)
        return real(app)

    monkeypatch.setattr(openapi_module, "_build", counting)
    again = second["registry"].openapi()
    assert calls == [], "the second registry app built its document again"
    assert again == built
    assert again is not built
    again["paths"].clear()
    assert first["registry"].openapi()["paths"], "one app's copy changed another's"
    assert len(second["career"].openapi()["paths"]) > 0
    assert second["career"].openapi() != built
    other = FastAPI(title=second["registry"].title, version=second["registry"].version)
    openapi_module.document_problems(other)
    other.get("/only-here")(lambda: {})
    assert list(other.openapi()["paths"]) == ["/only-here"]
    assert calls[-1] == other.title, "an app of other routes builds its own"
