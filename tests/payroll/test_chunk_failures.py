"""A chunk that keeps raising is tried a bounded number of times, then marked failed in
its run with the reason; the other chunks are paid and the run finishes as failed,
visibly, instead of the job coming back every 2 s for ever.

The fault is real: a payslip row left in the month's table by no run (as a bug or a
hand edit would leave it) makes the street's insert violate the (worker, period) key on
every delivery."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
from sqlalchemy import delete, insert

from cwp_common.db import transaction
from cwp_common.settings import PlatformSettings
from cwp_payroll.app import create_app
from cwp_payroll.runs.models import Payslip
from cwp_payroll.runs.writer import COLUMNS, ensure_partition
from cwp_payroll.workers import synthetic
from tests.payroll.conftest import settings
from tests.payroll.helpers import API, publish_policy, start_run, wait_run
from tests.support.answers import json_object
from tests.support.apps import running
from tests.support.tokens import Tokens

WORKERS, PER_STREET = 300, 100  # three streets, three chunks
STRANGER = uuid.UUID(int=(0x5CA1AB1E << 96) | 150)  # a worker of the second street


def stray_payslip() -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(COLUMNS, 0)
    row |= {
        "worker_id": STRANGER,
        "period": 202503,
        "run_id": uuid.uuid4(),  # no such run
        "chunk": "x",
        "community_code": synthetic.community("44", 150, PER_STREET),
        "name": "x",
        "position": "x",
        "category": "x",
        "example": False,
        "lines": "[]",
    }
    return row


async def wait_settled(
    client: httpx.AsyncClient, headers: dict[str, str], run_id: str, timeout: float = 120
) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        got = json_object(await client.get(f"{API}/runs/{run_id}", headers=headers))
        if got["status"] != "running":
            return got
        assert asyncio.get_running_loop().time() < deadline, got
        await asyncio.sleep(0.1)


async def test_a_chunk_that_keeps_failing_is_marked_failed_and_the_run_finishes(
    database_url: str, own_platform: PlatformSettings, tokens: Tokens
) -> None:
    admin = tokens.headers(["admin", "operator"])
    app = create_app(
        settings(database_url, work_chunks=True, chunk_max_deliveries=3, chunk_retry_seconds=0.1),
        own_platform,
        create_schema=True,
    )
    async with running(app) as client:
        await publish_policy(client, admin, "44")
        async with transaction(app.state.runtime.sessions) as session:
            await synthetic.seed(session, WORKERS, per_street=PER_STREET)
        async with transaction(app.state.runtime.sessions) as session:
            await ensure_partition(session, 202503)
            await session.execute(insert(Payslip), [stray_payslip()])

        run = await start_run(client, admin, "440101", "2025-03")
        assert run["progress"]["chunks_total"] == 3
        finished = await wait_settled(client, admin, run["id"])

        assert finished["status"] == "failed"
        p = finished["progress"]
        assert (p["chunks_done"], p["chunks_failed"], p["chunks_left"]) == (2, 1, 0)
        assert p["payslips"] == WORKERS - PER_STREET
        failed = await client.get(
            f"{API}/runs/{run['id']}/chunks", headers=admin, params={"state": "failed"}
        )
        assert failed.status_code == 200, failed.text
        [chunk] = failed.json()["items"]
        assert chunk["key"] == synthetic.community("44", 150, PER_STREET)[:9]
        assert chunk["deliveries"] == 3
        assert any(kind in chunk["reason"] for kind in ("IntegrityError", "UniqueViolation"))
        assert str(STRANGER) not in chunk["reason"]  # the error's type, never its values
        done = await client.get(
            f"{API}/runs/{run['id']}/chunks", headers=admin, params={"state": "done"}
        )
        assert len(done.json()["items"]) == 2
        bad = await client.get(
            f"{API}/runs/{run['id']}/chunks", headers=admin, params={"state": "lost"}
        )
        assert bad.status_code == 422
        # A failed run is not paid out: it cannot be approved.
        refused = await client.post(f"{API}/runs/{run['id']}/approve", headers=admin)
        assert refused.status_code == 409, refused.text

        # The fault repaired, a rerun pays the street and completes the run.
        async with transaction(app.state.runtime.sessions) as session:
            await session.execute(delete(Payslip).where(Payslip.run_id != uuid.UUID(run["id"])))
        r = await client.post(f"{API}/runs/{run['id']}/rerun", headers=admin)
        assert r.status_code == 200, r.text
        again = await wait_run(client, admin, run["id"], timeout=120)
        assert again["progress"]["payslips"] == WORKERS
        assert again["progress"]["chunks_failed"] == 0
