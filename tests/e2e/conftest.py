"""The platform as real processes, started once per test module (each module gets its
own nats-server, databases and ports)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.support.processes import Platform, build_platform


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    p = build_platform(tmp_path_factory.mktemp("e2e"), ["registry", "career", "gateway"])
    p.nats.start()
    try:
        p.start(["registry", "career", "gateway"])
        yield p
    finally:
        p.stop()


@pytest.fixture
async def client(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=platform.gateway, timeout=10) as c:
        yield c
