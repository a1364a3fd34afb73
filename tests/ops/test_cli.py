"""The `cwp` command line against real databases (SQLite, and PostgreSQL when
configured): its entry point with arguments and settings from the environment, in this
process (a process per call costs seconds on a loaded machine); one test runs the
installed console script itself."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text

from cwp_career.db import EVENTS as CAREER_EVENTS
from cwp_common.db import make_engine, utcnow
from cwp_common.events.contracts import WorkerRegistered
from cwp_ops.cli import main
from tests.career.helpers import envelope, facts
from tests.support.databases import fresh_database

CWP = str(Path(sys.executable).parent / "cwp")
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cwp(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Ran]:
    """`cwp ARGS` with these environment variables, from the repository root."""
    monkeypatch.chdir(ROOT)

    def run(args: Sequence[str], env: dict[str, str], check: bool = True) -> Ran:
        code = 0
        with monkeypatch.context() as m:
            for name, value in env.items():
                m.setenv(name, value)
            try:
                main(list(args))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
                if isinstance(exc.code, str):
                    print(exc.code, file=sys.stderr)
        out, err = capsys.readouterr()
        if check:
            assert code == 0, out + err
        return Ran(code, out, err)

    return run


def scalar(url: str, sql: str) -> object:
    async def query() -> object:
        engine = make_engine(url)
        try:
            async with engine.connect() as conn:
                return await conn.scalar(text(sql))
        finally:
            await engine.dispose()

    return asyncio.run(query())


def test_migrate_brings_the_named_services_to_head(
    backend: str, tmp_path: Path, cwp: Callable[..., Ran]
) -> None:
    registry = asyncio.run(fresh_database(backend, "registry", tmp_path))
    career = asyncio.run(fresh_database(backend, "career", tmp_path))
    env = {"REGISTRY_DATABASE_URL": registry, "CAREER_DATABASE_URL": career}
    out = cwp(["migrate", "registry", "career"], env).stdout
    assert "migrating registry to head" in out
    assert "migrating career to head" in out
    for url in (registry, career):
        assert scalar(url, "SELECT version_num FROM alembic_version")
    again = cwp(["migrate", "registry"], env)  # at head already: nothing to do, no error
    assert again.returncode == 0
    unknown = cwp(["migrate", "payrol"], env, check=False)
    assert unknown.returncode != 0
    assert "not installed here: payrol" in unknown.stderr


def test_create_admin_makes_the_first_administrator_once(
    backend: str, tmp_path: Path, cwp: Callable[..., Ran]
) -> None:
    gateway = asyncio.run(fresh_database(backend, "gateway", tmp_path))
    env = {"GATEWAY_DATABASE_URL": gateway, "CWP_ADMIN_PASSWORD": "a-long-enough-password"}
    cwp(["migrate", "gateway"], env)
    out = cwp(["create-admin", "--username", "chief"], env).stdout
    assert "created the administrator chief" in out
    assert scalar(gateway, "SELECT roles FROM accounts WHERE login = 'chief'")
    assert scalar(gateway, "SELECT region FROM accounts WHERE login = 'chief'") == ""
    again = cwp(["create-admin", "--username", "chief"], env).stdout
    assert "exists already" in again
    short = cwp(
        ["create-admin", "--username", "deputy"],
        {**env, "CWP_ADMIN_PASSWORD": "short"},
        check=False,
    )
    assert short.returncode != 0
    assert "at least 12 characters" in short.stderr
    assert scalar(gateway, "SELECT count(*) FROM accounts WHERE login = 'deputy'") == 0


async def add_letters(url: str, *letters: tuple[bytes, str | None, str]) -> int:
    """Dead letters of career-workers, as the consumer writes them; the last one's seq."""
    engine = make_engine(url)
    t = CAREER_EVENTS.dead_letters
    try:
        async with engine.begin() as conn:
            for body, event_id, subject in letters:
                await conn.execute(insert(t).values(
                    consumer="career-workers", event_id=event_id, subject=subject, body=body,
                    error="worker's community has no ladder", deliveries=6, created_at=utcnow(),
                ))  # fmt: skip
            return int(await conn.scalar(select(func.max(t.c.seq))) or 0)
    finally:
        await engine.dispose()


def counts(url: str) -> tuple[object, object, object]:
    """(dead letters, career workers, the inbox's event ids)."""
    return (
        scalar(url, "SELECT count(*) FROM dead_letters"),
        scalar(url, "SELECT count(*) FROM workers"),
        scalar(url, "SELECT min(event_id) FROM inbox"),
    )


def test_dead_letters_are_listed_and_replayed_through_the_consumer(
    backend: str, tmp_path: Path, cwp: Callable[..., Ran]
) -> None:
    career = asyncio.run(fresh_database(backend, "career", tmp_path))
    env = {"CAREER_DATABASE_URL": career}
    cwp(["migrate", "career"], env)
    good = WorkerRegistered(**facts(name="赵敏"))
    event = envelope(good)
    forged = event.model_copy(update={"source": "cwp.career", "id": "forged-1"})
    asyncio.run(add_letters(career, (event.to_bytes(), event.id, good.type),
                            (b"{not json", None, good.type),
                            (forged.to_bytes(), forged.id, good.type)))  # fmt: skip
    listed = cwp(["dead-letters", "list", "career"], env).stdout.splitlines()
    assert len(listed) == 3
    assert all("career-workers" in line and good.type in line for line in listed)
    assert not any("赵敏" in line for line in listed)  # the body is never printed
    replayed = cwp(["dead-letters", "replay", "career", "--all"], env, check=False)
    assert replayed.returncode == 1
    lines = replayed.stdout.splitlines()
    assert lines[0].endswith("\thandled")
    assert "unreadable envelope" in lines[1]
    assert "not from its owner" in lines[2]
    assert lines[-1] == "1 replayed, 2 still dead"
    assert counts(career) == (2, 1, event.id)
    # The same event dead-lettered again (a redelivery): replayed, it changes nothing.
    seq = asyncio.run(add_letters(career, (event.to_bytes(), event.id, good.type)))
    again = cwp(["dead-letters", "replay", "career", "--seq", str(seq)], env)
    assert again.stdout.splitlines()[0] == f"{seq}\talready handled"
    assert counts(career) == (2, 1, event.id)
    nothing = cwp(["dead-letters", "replay", "career"], env, check=False)
    assert nothing.returncode != 0
    assert "--seq" in nothing.stderr


def test_the_console_script_lists_every_command() -> None:
    out = subprocess.run(
        [CWP, "--help"], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    for command in ("migrate", "create-admin", "streams", "dead-letters", "seed-demo"):
        assert command in out
