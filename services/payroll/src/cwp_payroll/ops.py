"""Payroll's subcommands of the `cwp` operations CLI.

    cwp payroll-run 31 2025-03            start Shanghai's March payroll
    cwp payroll-run 44 2025-12 --annual-bonus --wait

The run is started as a real one (the same use case as POST /api/v1/payroll/runs, with
a national operations principal) and its chunks go on the JetStream work queue, where
the running payroll replicas take them. `--wait` follows it to the end."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid

from cwp_common.auth import Principal, Role
from cwp_common.clock import today_in_china
from cwp_common.db import make_engine, make_session_factory, utcnow
from cwp_common.events.access import inbox_prefix
from cwp_common.events.nats_link import NatsLink
from cwp_common.events.outbox import Outbox, bind_outbox
from cwp_common.problems import ProblemError
from cwp_common.settings import PlatformSettings
from cwp_payroll.config import Settings
from cwp_payroll.db import EVENTS
from cwp_payroll.runs import service
from cwp_payroll.runs.schemas import RunIn, RunOut

OPERATIONS = Principal(
    subject="cwp-ops", kind="system", roles=frozenset({Role.ADMIN, Role.OPERATOR}), region=""
)


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "payroll-run",
        help="start a month's payroll run for a jurisdiction",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("jurisdiction", help="division-code prefix, e.g. 31 or 440103")
    parser.add_argument("period", help="YYYY-MM")
    parser.add_argument("--annual-bonus", action="store_true", help="pay the year-end bonus")
    parser.add_argument("--wait", action="store_true", help="follow the run until it completes")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> None:
    try:
        out = asyncio.run(start(args.jurisdiction, args.period, args.annual_bonus, args.wait))
    except ProblemError as problem:
        raise SystemExit(f"refused: {problem.detail or problem.title}") from None
    print(out.model_dump_json(indent=2))


async def start(jurisdiction: str, period: str, annual_bonus: bool, wait: bool) -> RunOut:
    body = RunIn.model_validate(
        {"jurisdiction": jurisdiction, "period": period, "annual_bonus": annual_bonus}
    )
    settings, platform = Settings(), PlatformSettings()
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine, bind_outbox({}, Outbox(EVENTS, "cwp.payroll")))
    link = NatsLink(
        platform.nats_url,
        "cwp-payroll-ops",
        ["payroll"],
        credentials=platform.nats_credentials("payroll"),
        inbox=inbox_prefix("payroll"),
    )
    link.start()
    try:
        if not await link.wait_connected(10):
            print(
                "NATS is not reachable: the replicas' dispatch loop queues the chunks later",
                file=sys.stderr,
            )
        out = await service.start_run(sessions, OPERATIONS, body, today_in_china(), link)
        while wait and out.status != "completed":
            await asyncio.sleep(1)
            async with sessions() as session:
                row = await service.get_run(session, OPERATIONS, uuid.UUID(str(out.id)))
            out = RunOut.from_model(row, utcnow())
            p = out.progress
            print(
                json.dumps(
                    {
                        "chunks_done": p.chunks_done,
                        "chunks_left": p.chunks_left,
                        "payslips_per_second": p.payslips_per_second,
                        "eta_seconds": p.eta_seconds,
                        "at": time.strftime("%H:%M:%S"),
                    }
                ),
                file=sys.stderr,
            )
        return out
    finally:
        await link.close()
        await engine.dispose()
