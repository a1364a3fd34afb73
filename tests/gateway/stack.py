"""The gateway in front of the real registry (under uvicorn, real HTTP between them), for
the features that ask the registry: worker accounts and /me."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from cwp_common.keys import ensure_keypair
from cwp_common.settings import PlatformSettings
from cwp_gateway.app import create_app
from cwp_gateway.config import Settings
from cwp_registry.app import create_app as create_registry
from cwp_registry.config import Settings as RegistrySettings
from tests.gateway.conftest import ADMIN, ADMIN_PASSWORD, Clock
from tests.gateway.servers import serve
from tests.registry.helpers import id_number
from tests.support.apps import running
from tests.support.databases import fresh_database
from tests.support.tokens import login

COMMUNITY = "310101002001"
OTHER_COMMUNITY = "310101002002"


@dataclass
class Stack:
    gateway: httpx.AsyncClient
    app: FastAPI
    admin: dict[str, str]
    clock: Clock

    async def add_community(self, code: str) -> None:
        r = await self.gateway.post(
            "/api/v1/registry/communities",
            json={"code": code, "name": f"社区{code[-3:]}", "population": 6000, "households": 2000},
            headers=self.admin,
        )
        assert r.status_code == 201, r.text

    async def add_worker(self, community: str = COMMUNITY, **fields: Any) -> dict[str, Any]:
        body = {
            "name": "李娜",
            "id_number": id_number(),
            "community_code": community,
            "position": "full_time_worker",
            "hire_date": "2021-03-01",
        } | fields
        r = await self.gateway.post("/api/v1/registry/workers", json=body, headers=self.admin)
        assert r.status_code == 201, r.text
        return dict(r.json())


@asynccontextmanager
async def gateway_and_registry(
    backend: str,
    tmp_path: Path,
    settings: Settings,
    platform: PlatformSettings,
    **gateway_settings: Any,
) -> AsyncIterator[Stack]:
    ensure_keypair(settings.jwt_private_key_path, platform.jwt_public_key_path)
    registry = create_registry(
        RegistrySettings(database_url=await fresh_database(backend, "registry", tmp_path)),
        platform,
        create_schema=True,
    )
    async with serve(registry) as registry_url:
        clock = Clock()
        app = create_app(
            settings.model_copy(update={"registry_url": registry_url, **gateway_settings}),
            platform,
            create_schema=True,
        )
        app.state.gateway.clock = clock
        async with running(app) as gateway:
            stack = Stack(gateway, app, await login(gateway, ADMIN, ADMIN_PASSWORD), clock)
            await stack.add_community(COMMUNITY)
            await stack.add_community(OTHER_COMMUNITY)
            yield stack
