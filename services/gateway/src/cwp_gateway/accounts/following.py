"""A worker's account follows the registry: when the worker moves to another community
(registry.worker.transferred.v1) the account's region becomes the new community, and when
the worker leaves the workforce (registry.worker.exited.v1) the account is disabled. Both
revoke the account's tokens everywhere (cwp_common.revocation), in the transaction that
records the event in the inbox, and leave an audit entry whose actor is the registry."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.events.consumer import Subscription, parse
from cwp_common.events.contracts import WorkerExited, WorkerTransferred
from cwp_common.events.envelope import CloudEvent
from cwp_gateway.accounts.models import Account, AuditAction
from cwp_gateway.accounts.repository import AccountRepository
from cwp_gateway.accounts.service import audit_change, revoke

ACTOR = "registry"  # the audit's actor: the registry's event, not a person


async def follow_worker(session: AsyncSession, event: CloudEvent) -> None:
    if event.type == WorkerTransferred.type:
        moved = parse(event, WorkerTransferred)
        account = await _account_of(session, moved.worker_id)
        if account is None or account.region == moved.community_code:
            return
        before = account.region
        account.region = moved.community_code
        await revoke(session, account, "region_changed")
        audit_change(
            session,
            AuditAction.REGION_CHANGED,
            ACTOR,
            account,
            {"from": before, "to": account.region, "event": event.id},
        )
    elif event.type == WorkerExited.type:
        left = parse(event, WorkerExited)
        account = await _account_of(session, left.worker_id)
        if account is None or account.disabled:
            return
        account.disabled = True
        await revoke(session, account, "disabled")
        audit_change(
            session,
            AuditAction.DISABLED,
            ACTOR,
            account,
            {"reason": left.reason, "event": event.id},
        )


async def _account_of(session: AsyncSession, worker_id: str) -> Account | None:
    try:
        key = uuid.UUID(worker_id)
    except ValueError:
        return None
    return await AccountRepository.as_platform(session).by_worker(key, for_update=True)


SUBSCRIPTION = Subscription(
    durable="gateway-worker-accounts",
    filter_subject="registry.worker.>",
    handler=follow_worker,
)
