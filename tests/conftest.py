"""Fixtures shared by every test folder: real NATS, real databases, real tokens.

The tests run in dev mode, as `make run` does (CWP_ENV defaults to prod, which refuses
the development defaults); a test of production passes env="prod" itself."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from cwp_common.settings import PlatformSettings
from tests.support.databases import backends
from tests.support.nats_server import NatsServer
from tests.support.tokens import AUDIENCE, ISSUER, Tokens

os.environ["CWP_ENV"] = "dev"


@pytest.fixture(scope="session")
def tokens(tmp_path_factory: pytest.TempPathFactory) -> Tokens:
    return Tokens(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="session")
def session_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    """One nats-server for tests that do not stop it, with the platform's users."""
    server = NatsServer(tmp_path_factory.mktemp("nats-session"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    """A nats-server of the test's own, which the test may stop and restart."""
    server = NatsServer(tmp_path / "nats")
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=backends())
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def platform_settings(tokens: Tokens, session_nats: NatsServer) -> PlatformSettings:
    return PlatformSettings(
        env="dev",
        nats_url=session_nats.url,
        nats_credentials_dir=session_nats.credentials_dir,
        jwt_public_key_path=tokens.public_path,
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        log_level="WARNING",
    )
