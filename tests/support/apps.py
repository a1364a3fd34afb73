"""Run a service's ASGI app with its lifespan (database, NATS link, relay, consumers) and
talk to it over httpx's ASGI transport."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI

from cwp_common.db import new_metadata
from cwp_common.events.tables import event_tables
from cwp_common.service import ServiceSpec, create_service_app
from cwp_common.settings import PlatformSettings


@asynccontextmanager
async def running(
    app: FastAPI, base_url: str = "http://testserver"
) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client


def registry_named_app(
    platform: PlatformSettings, tmp: Path, title: str, router: APIRouter, **spec: Any
) -> FastAPI:
    """A small service built with the platform's own factory, named "registry" (so the
    gateway routes to it and the registry's NATS user is its own), on a SQLite file."""
    return create_service_app(
        ServiceSpec(
            name="registry",
            title=title,
            database_url=f"sqlite+aiosqlite:///{tmp / (title + '.db')}",
            tables=event_tables(new_metadata()),
            routers=[router],
            **spec,
        ),
        platform,
    )
