"""Start-up: dev keys, the bootstrap administrator, refusing unsafe production settings,
and the Alembic migration matching the models."""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from cwp_common.keys import generate_keypair
from cwp_common.settings import PlatformSettings
from cwp_gateway.app import create_app
from cwp_gateway.config import DEV_ADMIN_PASSWORD, Settings
from cwp_gateway.startup import SchemaMissing, UnsafeConfiguration
from tests.gateway.conftest import ADMIN, ADMIN_PASSWORD, token_response
from tests.support.apps import running
from tests.support.tokens import login

ROOT = Path(__file__).resolve().parents[2]
ALEMBIC_INI = ROOT / "services" / "gateway" / "alembic.ini"


async def test_dev_mode_creates_the_signing_keys(
    settings: Settings, platform: PlatformSettings
) -> None:
    assert not settings.jwt_private_key_path.exists()

    async with running(create_app(settings, platform, create_schema=True)) as client:
        await login(client, ADMIN, ADMIN_PASSWORD)

    mode = stat.S_IMODE(settings.jwt_private_key_path.stat().st_mode)
    assert mode == 0o600
    assert platform.jwt_public_key_path.read_bytes().startswith(b"-----BEGIN PUBLIC KEY")


async def test_health_and_openapi(gateway: httpx.AsyncClient) -> None:
    ready = await gateway.get("/readyz")
    for _ in range(100):  # NATS connects and the revocation replay ends in the background
        if ready.status_code == 200:
            break
        await asyncio.sleep(0.1)
        ready = await gateway.get("/readyz")
    spec = (await gateway.get("/openapi.json")).json()

    checks = {"database": "ok", "nats": "ok", "revocations": "ok"}
    assert (ready.json()["status"], ready.json()["checks"]) == ("ok", checks)
    assert ready.json()["events"]["outbox"]["pending"] >= 0  # the revocations' outbox
    form = spec["paths"]["/api/v1/auth/token"]["post"]["requestBody"]["content"]
    assert "application/x-www-form-urlencoded" in form
    assert {"/api/v1/auth/users", "/api/v1/auth/clients/{client_id}"} <= set(spec["paths"])


async def test_bootstrap_admin_is_created_once_and_not_reset(
    settings: Settings, platform: PlatformSettings
) -> None:
    async with running(create_app(settings, platform, create_schema=True)) as client:
        r = await token_response(
            client, {"grant_type": "password", "username": ADMIN, "password": ADMIN_PASSWORD}
        )
        assert r.json()["roles"] == ["admin", "operator", "pii", "viewer"]
        assert r.json()["region"] == ""

    changed = settings.model_copy(update={"admin_password": "another-long-password"})
    async with running(create_app(changed, platform, create_schema=True)) as client:
        headers = await login(client, ADMIN, ADMIN_PASSWORD)
        users = (await client.get("/api/v1/auth/users", headers=headers)).json()["items"]
        refused = await token_response(
            client,
            {"grant_type": "password", "username": ADMIN, "password": "another-long-password"},
        )

    assert [u["username"] for u in users] == [ADMIN]
    assert users[0]["created_by"] == "bootstrap"
    assert refused.status_code == 400


def test_admin_comes_from_the_platform_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CWP_ADMIN_USERNAME", "ops-root")
    monkeypatch.setenv("CWP_ADMIN_PASSWORD", "from-the-environment")
    monkeypatch.setenv("GATEWAY_PORT", "9100")

    s = Settings()

    assert (s.admin_username, s.admin_password, s.port) == (
        "ops-root",
        "from-the-environment",
        9100,
    )
    assert "from-the-environment" not in repr(s)


@pytest.mark.parametrize("password", [DEV_ADMIN_PASSWORD, "short-pass"])
async def test_prod_refuses_the_default_or_a_weak_admin_password(
    settings: Settings, platform: PlatformSettings, password: str
) -> None:
    generate_keypair(settings.jwt_private_key_path, platform.jwt_public_key_path)
    prod = platform.model_copy(update={"env": "prod"})
    weak = settings.model_copy(update={"admin_password": password})

    with pytest.raises(UnsafeConfiguration, match="CWP_ADMIN_PASSWORD"):
        async with running(create_app(weak, prod, create_schema=True)):
            pass


async def test_prod_refuses_to_start_without_key_files(
    settings: Settings, platform: PlatformSettings
) -> None:
    prod = platform.model_copy(update={"env": "prod"})

    with pytest.raises(UnsafeConfiguration, match="signing key files are missing"):
        async with running(create_app(settings, prod, create_schema=True)):
            pass

    assert not settings.jwt_private_key_path.exists()  # never generated outside dev


async def test_prod_starts_with_mounted_keys_and_a_real_password(
    settings: Settings, platform: PlatformSettings
) -> None:
    generate_keypair(settings.jwt_private_key_path, platform.jwt_public_key_path)
    key_before = settings.jwt_private_key_path.read_bytes()
    prod = platform.model_copy(update={"env": "prod"})

    async with running(create_app(settings, prod, create_schema=True)) as client:
        await login(client, ADMIN, ADMIN_PASSWORD)

    assert settings.jwt_private_key_path.read_bytes() == key_before


async def test_start_without_schema_says_how_to_migrate(
    settings: Settings, platform: PlatformSettings
) -> None:
    with pytest.raises(SchemaMissing, match="alembic"):
        async with running(create_app(settings, platform)):
            pass


def alembic(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GATEWAY_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(ALEMBIC_INI), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


async def test_migrations_build_the_schema_the_models_describe(
    settings: Settings, platform: PlatformSettings
) -> None:
    upgraded = alembic("upgrade", "head", url=settings.database_url)
    assert upgraded.returncode == 0, upgraded.stderr

    check = alembic("check", url=settings.database_url)
    assert check.returncode == 0, check.stdout + check.stderr

    async with running(create_app(settings, platform)) as client:  # no create_all
        await login(client, ADMIN, ADMIN_PASSWORD)

    downgraded = alembic("downgrade", "base", url=settings.database_url)
    assert downgraded.returncode == 0, downgraded.stderr
