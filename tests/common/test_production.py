"""Production fails closed: development defaults (keys, passwords, the files `make run`
creates) are used only when CWP_ENV says dev; any other start refuses them, naming the
setting and never its value. One rule (cwp_common.settings) for every service."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from cwp_career.app import create_app as career_app
from cwp_career.config import Settings as CareerSettings
from cwp_common.events.access import ensure_passwords
from cwp_common.keys import generate_keypair
from cwp_common.settings import InsecureConfiguration, PlatformSettings
from cwp_gateway.app import create_app as gateway_app
from cwp_gateway.config import DEV_ADMIN_PASSWORD
from cwp_gateway.config import Settings as GatewaySettings
from cwp_registry.app import create_app as registry_app
from cwp_registry.config import DEV_PII_HASH_KEY, DEV_PII_KEY
from cwp_registry.config import Settings as RegistrySettings
from tests.support.apps import running
from tests.support.databases import fresh_database
from tests.support.tokens import AUDIENCE, ISSUER

ROOT = Path(__file__).resolve().parents[2]
PLATFORM_DEFAULTS = ["CWP_NATS_CREDENTIALS_DIR", "CWP_JWT_PUBLIC_KEY_PATH"]
SECRETS = [DEV_PII_KEY, DEV_PII_HASH_KEY, DEV_ADMIN_PASSWORD]


def real_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def production(tmp_path: Path, **changes: object) -> PlatformSettings:
    """A production platform with real (non-default) values everywhere."""
    values: dict[str, object] = {
        "env": "prod",
        "nats_credentials_dir": tmp_path / "secrets" / "nats",
        "jwt_public_key_path": tmp_path / "secrets" / "jwt-public.pem",
        "jwt_issuer": ISSUER,
        "jwt_audience": AUDIENCE,
        "log_level": "WARNING",
    }
    return PlatformSettings(**(values | changes))  # type: ignore[arg-type]


def refused(make: object) -> str:
    with pytest.raises(InsecureConfiguration) as caught:
        make()  # type: ignore[operator]
    message = str(caught.value)
    for secret in SECRETS:
        assert secret not in message
    return message


def test_the_environment_is_production_unless_it_says_dev(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CWP_ENV", raising=False)
    assert PlatformSettings(_env_file=None).env == "prod"  # type: ignore[call-arg]
    monkeypatch.setenv("CWP_ENV", "dev")
    assert PlatformSettings(_env_file=None).is_dev  # type: ignore[call-arg]


def test_the_platform_defaults_are_refused_outside_dev(tmp_path: Path) -> None:
    platform = production(tmp_path).model_copy(
        update={
            "nats_credentials_dir": PlatformSettings.model_fields["nats_credentials_dir"].default,
            "jwt_public_key_path": PlatformSettings.model_fields["jwt_public_key_path"].default,
        }
    )
    settings = CareerSettings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'c.db'}")
    message = refused(lambda: career_app(settings, platform))
    assert all(name in message for name in PLATFORM_DEFAULTS)
    assert "CWP_ENV=dev" in message


@pytest.mark.parametrize("given", ["defaults", "the .env.example values"])
def test_the_registry_refuses_its_development_keys(tmp_path: Path, given: str) -> None:
    # Copying .env.example into production sets the same public values explicitly.
    keys = {} if given == "defaults" else {"pii_key": DEV_PII_KEY, "pii_hash_key": DEV_PII_HASH_KEY}
    settings = RegistrySettings(database_url="sqlite+aiosqlite:///x.db", **keys)  # type: ignore[arg-type]
    message = refused(lambda: registry_app(settings, production(tmp_path)))
    assert "REGISTRY_PII_KEY, REGISTRY_PII_HASH_KEY" in message
    assert not [n for n in PLATFORM_DEFAULTS if n in message]


def test_the_gateway_refuses_its_development_password_and_key_path(tmp_path: Path) -> None:
    settings = GatewaySettings(database_url="sqlite+aiosqlite:///x.db")
    message = refused(lambda: gateway_app(settings, production(tmp_path)))
    assert "GATEWAY_JWT_PRIVATE_KEY_PATH, CWP_ADMIN_PASSWORD" in message


def test_dev_accepts_every_default_and_prod_accepts_real_values(tmp_path: Path) -> None:
    dev = production(tmp_path, env="dev").model_copy(
        update={"nats_credentials_dir": Path("var/nats-credentials")}
    )
    assert isinstance(registry_app(RegistrySettings(), dev), FastAPI)
    assert isinstance(gateway_app(GatewaySettings(), dev), FastAPI)
    real = RegistrySettings(pii_key=real_key(), pii_hash_key=real_key())  # type: ignore[arg-type]
    assert isinstance(registry_app(real, production(tmp_path)), FastAPI)


@pytest.mark.parametrize("service", ["registry", "career", "gateway"])
def test_a_start_without_cwp_env_refuses_the_defaults(tmp_path: Path, service: str) -> None:
    """As the image starts a service: `python -m cwp_<service>` with nothing configured."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CWP_", service.upper()))}
    env[f"{service.upper()}_PORT"] = "0"
    done = subprocess.run(
        [sys.executable, "-m", f"cwp_{service}"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "InsecureConfiguration" in done.stderr
    assert "CWP_NATS_CREDENTIALS_DIR" in done.stderr
    for secret in SECRETS:
        assert secret not in done.stderr + done.stdout


async def test_an_administrator_on_the_development_password_is_refused_in_production(
    backend: str, tmp_path: Path
) -> None:
    """The database was made in dev, where the administrator got the dev password."""
    url = await fresh_database(backend, "gateway", tmp_path)
    keys = tmp_path / "secrets"
    generate_keypair(keys / "jwt-private.pem", keys / "jwt-public.pem")
    ensure_passwords(keys / "nats", ["gateway"])  # the gateway publishes revocations
    dev = production(tmp_path, env="dev")
    made_in_dev = GatewaySettings(
        database_url=url, jwt_private_key_path=keys / "jwt-private.pem", admin_username="admin"
    )
    async with running(gateway_app(made_in_dev, dev, create_schema=True)) as client:
        assert (await sign_in(client, DEV_ADMIN_PASSWORD)).status_code == 200

    prod_password = "a-real-production-secret"
    in_prod = made_in_dev.model_copy(update={"admin_password": prod_password})
    async with running(gateway_app(in_prod, production(tmp_path))) as client:
        old = await sign_in(client, DEV_ADMIN_PASSWORD)
        new = await sign_in(client, prod_password)
    assert old.status_code == 400
    assert new.status_code == 200

    # Back in dev the administrator keeps the password it has now.
    async with running(gateway_app(made_in_dev, dev)) as client:
        assert (await sign_in(client, prod_password)).status_code == 200


async def sign_in(client: httpx.AsyncClient, password: str) -> httpx.Response:
    form = {"grant_type": "password", "username": "admin", "password": password}
    return await client.post("/api/v1/auth/token", data=form)


async def test_production_without_the_services_nats_password_does_not_start(
    tmp_path: Path,
) -> None:
    settings = RegistrySettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'r.db'}",
        pii_key=real_key(),  # type: ignore[arg-type]
        pii_hash_key=real_key(),  # type: ignore[arg-type]
    )
    app = registry_app(settings, production(tmp_path), create_schema=True)
    with pytest.raises(InsecureConfiguration, match="no NATS password for registry"):
        async with running(app):
            pass
