"""The daily expiry reminder: `registry.contract.expiring.v1` (on the outbox and in the
change feed) for each fixed-term contract of a current worker that ends within the
reminder period, once per contract (the contract remembers the day it was reminded).
Acts for the platform (PLATFORM).

Two replicas may run it at once: each locks the contracts it reminds (SELECT ... FOR
UPDATE on PostgreSQL) and skips one already reminded, so a contract is announced once."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cwp_common.daily import DailyJob
from cwp_common.db import utcnow
from cwp_common.events.contracts import ContractExpiring
from cwp_common.repository import PLATFORM
from cwp_registry.changes.recorder import publish
from cwp_registry.contracts.repository import ContractRepository
from cwp_registry.contracts.service import renewal_entitlement
from cwp_registry.workers.repository import WorkerRepository

log = logging.getLogger("cwp.registry.contracts")


async def remind_expiring(
    sessions: async_sessionmaker[AsyncSession], today: date, days: int
) -> int:
    """Queue the reminders due on `today`; returns how many were queued."""
    async with sessions() as session, session.begin():
        contracts = ContractRepository(session, PLATFORM)
        workers = WorkerRepository(session, PLATFORM)
        due = await contracts.due_reminders(today, today + timedelta(days=days))
        sent = 0
        for contract in due:
            await session.refresh(contract, with_for_update=True)
            if contract.reminded_on is not None or contract.end_date is None:
                continue  # another replica got there first
            worker = await workers.get_or_404(contract.worker_id)
            renewal = contract.end_date + timedelta(days=1)
            ent = await renewal_entitlement(contracts, worker.community_code, contract, renewal)
            event = ContractExpiring(
                contract_id=str(contract.id),
                worker_id=str(worker.id),
                community_code=worker.community_code,
                end_date=contract.end_date,
                days_left=(contract.end_date - today).days,
                open_ended_required=ent.open_ended_required,
            )
            await publish(session, event, str(worker.id), worker.community_code)
            contract.reminded_on, contract.updated_at = today, utcnow()
            sent += 1
        return sent


class ContractReminders(DailyJob):
    """Runs remind_expiring once per China business day (and at start)."""

    name = "registry-contract-reminders"

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], days: int, check_every: float = 300.0
    ) -> None:
        super().__init__(check_every)
        self._sessions = sessions
        self._days = days

    async def run_for(self, day: date) -> None:
        sent = await remind_expiring(self._sessions, day, self._days)
        log.info("contract expiry reminders for %s: %d", day, sent)
