"""The durable consumer training-workers against a real nats-server: a registration
published on the registry's stream reaches the projection with its pre-service
obligation, a redelivered event is handled once, and training's own events leave
through the outbox onto its stream."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cwp_common.clock import today_in_china
from cwp_common.events.contracts import WorkerRegistered
from cwp_common.settings import PlatformSettings
from cwp_training.app import create_app
from cwp_training.compliance.models import Obligation
from cwp_training.config import Settings
from tests.career.test_consumers import send, until
from tests.support.apps import running
from tests.support.nats_server import NatsServer
from tests.support.settings import settings_on
from tests.support.tokens import Tokens
from tests.training.helpers import API, count, envelope, facts


@pytest.fixture
def platform_settings(tokens: Tokens, module_nats: NatsServer) -> PlatformSettings:
    """This module's durables start on a server of its own (see module_nats)."""
    return settings_on(module_nats, tokens)


@pytest.fixture
def consuming_app(database_url: str, platform_settings: PlatformSettings) -> FastAPI:
    settings = Settings(database_url=database_url, shortfall_job=False)
    return create_app(settings, platform_settings, create_schema=True)


@pytest.fixture
async def consuming(consuming_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(consuming_app) as c:
        yield c


async def test_a_registration_reaches_the_projection_once(
    consuming_app: FastAPI,
    consuming: httpx.AsyncClient,
    module_nats: NatsServer,
    admin: dict[str, str],
) -> None:
    data = WorkerRegistered(**facts(hire_date=today_in_china() - timedelta(days=3)))
    event = envelope(data)
    await send(module_nats, event)
    await send(module_nats, event, msg_ids=["another-message-id"])  # redelivered as new

    async def projected() -> dict[str, Any] | None:
        r = await consuming.get(f"{API}/workers/{data.worker_id}/compliance", headers=admin)
        return r.json() if r.status_code == 200 else None

    out = await until(projected)
    assert {p["kind"] for p in out["periods"]} == {"yearly", "pre_service"}

    async def one_obligation() -> bool:
        return await count(consuming_app, Obligation) == 1

    await until(one_obligation)
