"""The revocation feed on a real nats-server with the platform's users: a service that
starts before the gateway ever ran is ready (nothing can have been revoked), and follows
the gateway's revocations once its stream exists."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from fastapi import APIRouter

from cwp_common.auth import Reader
from cwp_common.db import new_metadata
from cwp_common.events.contracts import AccountRevoked
from cwp_common.events.outbox import Outbox
from cwp_common.events.tables import event_tables
from cwp_common.revocation import PRODUCER, SOURCE
from cwp_common.settings import PlatformSettings
from tests.support.apps import registry_named_app, running
from tests.support.nats_server import NatsServer
from tests.support.tokens import Tokens


def registry_like(platform: PlatformSettings, tmp: Path) -> httpx.AsyncClient:
    router = APIRouter(prefix="/api/v1/registry")

    @router.get("/me")
    async def me(principal: Reader) -> dict[str, str]:
        return {"subject": principal.subject}

    app = registry_named_app(platform, tmp, "registry-like", router, create_schema=True)
    return running(app)  # type: ignore[return-value]


async def poll(client: httpx.AsyncClient, path: str, headers: dict[str, str], want: int) -> int:
    for _ in range(100):
        r = await client.get(path, headers=headers)
        if r.status_code == want:
            return want
        await asyncio.sleep(0.05)
    return r.status_code


async def test_ready_before_the_gateway_exists_and_follows_it_afterwards(
    nats_server: NatsServer, platform_settings: PlatformSettings, tokens: Tokens, tmp_path: Path
) -> None:
    # A nats-server of its own: on the session's, some test has already made the stream.
    platform = platform_settings.model_copy(
        update={"nats_url": nats_server.url, "nats_credentials_dir": nats_server.credentials_dir}
    )
    token = {"Authorization": f"Bearer {tokens.issue(['viewer'], '31', subject='leaver')}"}
    async with registry_like(platform, tmp_path) as client:
        ready = await poll(client, "/readyz", {}, 200)
        before = (await client.get("/api/v1/registry/me", headers=token)).status_code

        # The gateway starts later and revokes the account (as its outbox would publish).
        nc = await nats_server.connect(PRODUCER)
        try:
            revoked = AccountRevoked(
                subject="leaver",
                kind="user",
                not_before=datetime.fromtimestamp(time.time() + 1, UTC),
                reason="disabled",
            )
            event = Outbox(event_tables(new_metadata()), SOURCE).envelope(revoked)
            await nc.jetstream().publish(revoked.type, event.to_bytes())
        finally:
            await nc.close()
        after = await poll(client, "/api/v1/registry/me", token, 401)

    assert ready == 200
    assert before == 200
    assert after == 401
