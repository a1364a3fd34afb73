"""A service with nothing but the platform's frame: token check, EdgeMiddleware, one JSON
object. Behind the gateway it shows the proxy's own cost, which the registry's database
work would otherwise hide (the case ARCHITECTURE.md measured).

    python bench/minimal_service.py PORT     (CWP_* settings from the environment;
                                              served as every service is)
"""

from __future__ import annotations

import sys
import tempfile
import uuid
from pathlib import Path

from fastapi import APIRouter, FastAPI

from cwp_common.auth import Reader
from cwp_common.db import new_metadata
from cwp_common.events.tables import event_tables
from cwp_common.serve import serve
from cwp_common.service import ServiceSpec, create_service_app

router = APIRouter(prefix="/api/v1/registry")


@router.get("/workers/{worker_id}")
async def worker(worker_id: uuid.UUID, principal: Reader) -> dict[str, str]:
    return {"id": str(worker_id), "name": "张伟", "region": principal.region, "status": "active"}


def create_app(database: Path) -> FastAPI:
    return create_service_app(
        ServiceSpec(
            name="registry",
            title="minimal",
            database_url=f"sqlite+aiosqlite:///{database}",  # never queried
            tables=event_tables(new_metadata()),
            routers=[router],
            events=False,
        )
    )


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        serve(create_app(Path(tmp) / "unused.db"), "127.0.0.1", int(sys.argv[1]))
