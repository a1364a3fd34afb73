"""Every service under uvicorn (real HTTP, fresh databases) and the gateway in front of
them, signing with the test keys the services trust."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from cwp_career.app import create_app as career_app
from cwp_career.config import Settings as CareerSettings
from cwp_common.settings import PlatformSettings
from cwp_gateway.app import create_app as gateway_app
from cwp_gateway.config import Settings as GatewaySettings
from cwp_payroll.app import create_app as payroll_app
from cwp_payroll.config import Settings as PayrollSettings
from cwp_registry.app import create_app as registry_app
from cwp_registry.config import Settings as RegistrySettings
from cwp_training.app import create_app as training_app
from cwp_training.config import Settings as TrainingSettings
from tests.gateway.servers import serve, unused_port
from tests.support.databases import fresh_database
from tests.support.tokens import Tokens

SERVICES = ("registry", "career", "payroll", "training")
ADMIN, ADMIN_PASSWORD = "root-admin", "a-long-admin-password"


async def service_app(
    name: str, backend: str, tmp_path: Path, platform: PlatformSettings
) -> FastAPI:
    """One service on a fresh database, its background work (consumers, daily jobs) off."""
    url = await fresh_database(backend, name, tmp_path)
    if name == "registry":
        return registry_app(
            RegistrySettings(
                database_url=url,
                consume_events=False,
                contract_reminders=False,
                import_dir=str(tmp_path / "imports"),
            ),
            platform,
            create_schema=True,
        )
    if name == "career":
        return career_app(
            CareerSettings(database_url=url, consume_events=False, daily_regrade=False),
            platform,
            create_schema=True,
        )
    if name == "payroll":
        return payroll_app(
            PayrollSettings(
                database_url=url, consume_events=False, work_chunks=False, demo_region=""
            ),
            platform,
            create_schema=True,
        )
    return training_app(
        TrainingSettings(database_url=url, consume_events=False, shortfall_job=False),
        platform,
        create_schema=True,
    )


@dataclass
class Stack:
    apps: dict[str, FastAPI]  # the services that run, and "gateway"
    urls: dict[str, str]  # their base URLs


@asynccontextmanager
async def platform_stack(
    backend: str,
    tmp_path: Path,
    platform: PlatformSettings,
    tokens: Tokens,
    down: tuple[str, ...] = (),
    **gateway_settings: Any,
) -> AsyncIterator[Stack]:
    """The services not named in `down` (those get a port nothing listens on), and the
    gateway; all served over HTTP."""
    apps: dict[str, FastAPI] = {}
    urls: dict[str, str] = {}
    async with AsyncExitStack() as stack:
        for name in SERVICES:
            if name in down:
                urls[name] = f"http://127.0.0.1:{unused_port()}"
                continue
            apps[name] = await service_app(name, backend, tmp_path, platform)
            urls[name] = await stack.enter_async_context(serve(apps[name]))
        # Fields named at run time: Any, as mypy cannot tell which field each one is.
        service_urls: dict[str, Any] = {f"{name}_url": urls[name] for name in SERVICES}
        settings = GatewaySettings(
            database_url=await fresh_database(backend, "gateway", tmp_path),
            jwt_private_key_path=tokens.private_path,
            admin_username=ADMIN,
            admin_password=ADMIN_PASSWORD,
            **service_urls,
            **gateway_settings,
        )
        apps["gateway"] = gateway_app(settings, platform, create_schema=True)
        urls["gateway"] = await stack.enter_async_context(serve(apps["gateway"]))
        yield Stack(apps, urls)
