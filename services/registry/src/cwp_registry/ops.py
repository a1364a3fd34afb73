"""The registry's subcommands of the ops CLI (`cwp`, libs/ops): run the contract expiry
reminder once, for a day, against the registry's database. The events go to the outbox;
a running registry's relay publishes them."""

from __future__ import annotations

import argparse
import asyncio
from datetime import date

from cwp_common.clock import today_in_china
from cwp_common.db import make_engine, make_session_factory
from cwp_common.events.outbox import Outbox, bind_outbox
from cwp_registry.config import Settings
from cwp_registry.contracts.jobs import remind_expiring
from cwp_registry.db import EVENTS


async def run_reminders(database_url: str, day: date, days: int) -> int:
    engine = make_engine(database_url)
    try:
        sessions = make_session_factory(engine, bind_outbox({}, Outbox(EVENTS, "cwp.registry")))
        return await remind_expiring(sessions, day, days)
    finally:
        await engine.dispose()


def _reminders(args: argparse.Namespace) -> None:
    settings = Settings()
    day = args.date or today_in_china()
    days = args.days or settings.contract_reminder_days
    sent = asyncio.run(run_reminders(settings.database_url, day, days))
    print(f"{sent} contract expiry reminder(s) queued for {day.isoformat()}")


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "registry-contract-reminders",
        help="queue registry.contract.expiring.v1 for contracts ending soon (once each)",
    )
    p.add_argument("--date", type=date.fromisoformat, help="the day to run for (default today)")
    p.add_argument("--days", type=int, help="days ahead (default REGISTRY_CONTRACT_REMINDER_DAYS)")
    p.set_defaults(handler=_reminders)
