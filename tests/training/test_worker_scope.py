"""A worker signed in for themselves (role `worker`, claim `worker_id`: the platform's
worker-scope contract) reads only their own training records and no shared tables."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from fastapi import FastAPI

from cwp_common.auth import Principal
from cwp_training.compliance.service import RequirementRepository
from cwp_training.qualifications.models import Qualification
from cwp_training.qualifications.repository import QualificationRepository
from cwp_training.workers.repository import WorkerRepository
from tests.training.helpers import GD, register


@dataclass(frozen=True)
class WorkerPrincipal(Principal):
    worker_id: str | None = None


async def test_own_rows_only(app: FastAPI, client: object, operator: dict[str, str]) -> None:
    from tests.training.helpers import post

    me, other = await register(app), await register(app)
    for n, w in enumerate((me, other)):
        await post(
            client,
            operator,
            "/qualifications",
            {
                "worker_id": w,
                "level": "assistant",
                "obtained_on": "2021-01-01",
                "certificate_no": f"SW-OWN-000{n}",
            },
        )
    principal = WorkerPrincipal(
        subject="w", kind="user", roles=frozenset({"worker"}), region=GD, worker_id=me
    )
    async with app.state.runtime.sessions() as session:
        mine = (await session.scalars(QualificationRepository(session, principal).scoped())).all()
        assert [q.worker_id for q in mine] == [uuid.UUID(me)]
        assert isinstance(mine[0], Qualification)
        assert (
            await session.scalars(RequirementRepository(session, principal).scoped())
        ).all() == []
        assert WorkerRepository.worker_column is not None
