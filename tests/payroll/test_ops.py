"""`cwp payroll-run`: starts a real run through the same use case as the API."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

import pytest

from cwp_common.db import make_engine
from cwp_payroll import ops
from cwp_payroll.db import Base
from tests.support.nats_server import NatsServer


def cli() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="cwp")
    ops.add_commands(top.add_subparsers(dest="command", required=True))
    return top


def test_the_command_starts_a_run_and_refuses_a_future_month(
    tmp_path: Path,
    nats_server: NatsServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'payroll.db'}"

    async def schema() -> None:
        engine = make_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        await engine.dispose()

    asyncio.run(schema())
    monkeypatch.setenv("PAYROLL_DATABASE_URL", url)
    monkeypatch.setenv("CWP_NATS_URL", nats_server.url)
    monkeypatch.setenv("CWP_NATS_CREDENTIALS_DIR", str(nats_server.credentials_dir))
    args = cli().parse_args(["payroll-run", "31", "2025-03", "--wait"])
    args.handler(args)
    out = json.loads(capsys.readouterr().out)
    assert (out["jurisdiction"], out["period"], out["state"]) == ("31", "2025-03", "draft")
    assert out["status"] == "completed"  # nobody to pay in an empty projection

    again = cli().parse_args(["payroll-run", "31", "2025-03"])
    with pytest.raises(SystemExit, match="refused"):
        again.handler(again)
    future = cli().parse_args(["payroll-run", "31", "2099-01"])
    with pytest.raises(SystemExit, match="refused"):
        future.handler(future)
