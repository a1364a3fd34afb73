"""Ending a contract: by its own endpoint, or with the worker's exit (inside the exit's
transaction). Apart from the contract use cases so the worker service can call it."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Principal
from cwp_common.db import utcnow
from cwp_common.events.contracts import ContractEnded
from cwp_registry.changes.recorder import publish
from cwp_registry.contracts.models import LabourContract
from cwp_registry.contracts.repository import ContractRepository


async def close(
    session: AsyncSession,
    contract: LabourContract,
    community_code: str,
    ended_on: date,
    reason: str,
    note: str | None,
) -> None:
    """Ends the contract and stages registry.contract.ended.v1."""
    contract.status, contract.ended_on, contract.end_reason = "ended", ended_on, reason
    if note is not None:
        contract.note = note
    contract.updated_at = utcnow()
    event = ContractEnded.model_validate(
        {
            "contract_id": str(contract.id),
            "worker_id": str(contract.worker_id),
            "community_code": community_code,
            "ended_on": ended_on,
            "reason": reason,
        }
    )
    await publish(session, event, str(contract.worker_id), community_code)


async def end_on_exit(
    session: AsyncSession,
    principal: Principal,
    worker_id: uuid.UUID,
    community_code: str,
    exit_date: date,
) -> None:
    """The worker's exit ends the current contract on the exit date (or on its start,
    for a contract that had not begun), inside the exit's transaction."""
    contract = await ContractRepository(session, principal).active_for(worker_id)
    if contract is not None:
        ended = max(exit_date, contract.start_date)
        if contract.end_date is not None:
            ended = min(ended, contract.end_date)
        await close(session, contract, community_code, ended, "worker_exited", None)
