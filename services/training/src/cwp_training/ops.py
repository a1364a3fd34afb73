"""The training service's subcommands of the ops CLI (`cwp`, libs/ops), run against the
service's own database (TRAINING_DATABASE_URL) for the platform (national scope).

    cwp training-shortfalls [--notice-days 60]      announce unmet periods now
    cwp training-compliance --region 44 --out 44.xlsx [--as-of 2025-06-30]
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import date
from pathlib import Path

from cwp_common.clock import today_in_china
from cwp_common.db import make_engine, make_session_factory
from cwp_common.events.outbox import Outbox, bind_outbox
from cwp_common.repository import PLATFORM
from cwp_training.compliance.jobs import announce_shortfalls
from cwp_training.config import Settings
from cwp_training.db import EVENTS
from cwp_training.sheets.service import compliance_report


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    s = sub.add_parser(
        "training-shortfalls",
        help="announce unmet training periods ending soon (the daily job's work, now)",
    )
    s.add_argument("--notice-days", type=int, default=None)
    s.set_defaults(handler=lambda a: print(asyncio.run(shortfalls(a.notice_days)), "announced"))
    r = sub.add_parser("training-compliance", help="write a region's compliance report (.xlsx)")
    r.add_argument("--region", default="", help="division-code prefix; empty is national")
    r.add_argument("--as-of", type=date.fromisoformat, default=None)
    r.add_argument("--out", type=Path, required=True)
    r.set_defaults(handler=lambda a: a.out.write_bytes(asyncio.run(report(a.region, a.as_of))))


async def shortfalls(notice_days: int | None, settings: Settings | None = None) -> int:
    settings = settings or Settings()
    engine = make_engine(settings.database_url)
    try:
        # Staged in the outbox; the running service's relay publishes them.
        sessions = make_session_factory(engine, bind_outbox({}, Outbox(EVENTS, "cwp.training")))
        days = notice_days or settings.shortfall_notice_days
        return await announce_shortfalls(sessions, today_in_china(), days)
    finally:
        await engine.dispose()


async def report(region: str, as_of: date | None, settings: Settings | None = None) -> bytes:
    settings = settings or Settings()
    engine = make_engine(settings.database_url)
    try:
        async with make_session_factory(engine)() as session:
            return await compliance_report(session, PLATFORM, region, as_of or today_in_china())
    finally:
        await engine.dispose()
