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
from tests.support.settings import settings_on
from tests.support.tokens import Tokens

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


@pytest.fixture(scope="module")
def module_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    """A nats-server for one test module. A module that starts durable consumers uses it
    (with `settings_on`): on the session's server a durable would first work through every
    event the rest of the suite left on the streams, and time out under load."""
    server = NatsServer(tmp_path_factory.mktemp("nats-module"))
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
    return settings_on(session_nats, tokens)
