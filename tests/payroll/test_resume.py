"""A run survives a replica killed mid-run: real payroll processes take chunks from the
JetStream work queue; one is killed with SIGKILL after some chunks, another finishes the
run, and every worker is paid exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from cwp_common.db import transaction
from cwp_common.settings import PlatformSettings
from cwp_payroll.app import create_app
from cwp_payroll.runs.models import Payslip, Run
from cwp_payroll.workers import synthetic
from tests.payroll.conftest import settings
from tests.payroll.helpers import API, publish_policy, start_run, wait_run
from tests.support.apps import running
from tests.support.nats_server import NatsServer
from tests.support.tokens import Tokens

WORKERS, PER_STREET = 6000, 50  # 120 chunks


def replica(
    workdir: Path, database_url: str, platform: PlatformSettings, name: str
) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CWP_", "PAYROLL_"))}
    env |= {
        "CWP_ENV": "dev",
        "CWP_NATS_URL": platform.nats_url,
        "CWP_NATS_CREDENTIALS_DIR": str(platform.nats_credentials_dir),
        "CWP_JWT_PUBLIC_KEY_PATH": str(platform.jwt_public_key_path),
        "CWP_JWT_ISSUER": platform.jwt_issuer,
        "CWP_JWT_AUDIENCE": platform.jwt_audience,
        "PAYROLL_DATABASE_URL": database_url,
        "PAYROLL_PORT": "0",
        "PAYROLL_CONSUME_EVENTS": "false",
        "PAYROLL_DEMO_REGION": "",
        "PAYROLL_CHUNK_ACK_WAIT_SECONDS": "2",
    }
    log = (workdir / f"{name}.log").open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "cwp_payroll"], env=env, stdout=log, stderr=subprocess.STDOUT
    )


async def test_a_killed_replica_leaves_its_chunks_to_another(
    database_url: str,
    own_platform: PlatformSettings,
    nats_server: NatsServer,
    tokens: Tokens,
    tmp_path: Path,
) -> None:
    admin = tokens.headers(["admin", "operator"])
    app = create_app(settings(database_url), own_platform, create_schema=True)
    async with running(app) as client:
        await publish_policy(client, admin, "44")
        async with transaction(app.state.runtime.sessions) as session:
            await synthetic.seed(session, WORKERS, per_street=PER_STREET)
        run = await start_run(client, admin, "44", "2025-03")
        assert run["progress"]["chunks_total"] == WORKERS // PER_STREET

        first = replica(tmp_path, database_url, own_platform, "first")
        try:
            done = await _wait_for_chunks(client, admin, run["id"], at_least=3)
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        finally:
            if first.poll() is None:
                first.kill()
        killed_at = (await client.get(f"{API}/runs/{run['id']}", headers=admin)).json()
        assert killed_at["status"] == "running", "the replica finished before it was killed"
        assert done >= 3

        second = replica(tmp_path, database_url, own_platform, "second")
        try:
            finished = await wait_run(client, admin, run["id"], timeout=120)
        finally:
            second.terminate()
            second.wait(10)

        assert finished["progress"]["payslips"] == WORKERS
        assert finished["progress"]["chunks_done"] == finished["progress"]["chunks_total"]
        async with app.state.runtime.sessions() as session:
            rows = await session.scalar(select(func.count()).select_from(Payslip))
            distinct = await session.scalar(select(func.count(func.distinct(Payslip.worker_id))))
            gross = await session.scalar(select(func.sum(Payslip.gross)))
            stored = await session.get(Run, __import__("uuid").UUID(run["id"]))
        assert rows == distinct == WORKERS
        assert stored is not None
        assert stored.gross == gross


async def _wait_for_chunks(
    client: httpx.AsyncClient, headers: dict[str, str], run_id: str, at_least: int
) -> int:
    for _ in range(600):
        r = await client.get(f"{API}/runs/{run_id}", headers=headers)
        done = int(r.json()["progress"]["chunks_done"])
        if done >= at_least:
            return done
        await asyncio.sleep(0.02)
    pytest.fail("the first replica computed no chunk")
