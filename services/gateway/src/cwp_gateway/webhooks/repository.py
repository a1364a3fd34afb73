"""Subscriptions as a caller sees them: an administrator, every live subscription of
accounts within their region; an API client, its own."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Role
from cwp_common.db import AnySelect
from cwp_common.repository import Repository
from cwp_gateway.accounts.models import Account
from cwp_gateway.webhooks.models import WebhookSubscription


class SubscriptionRepository(Repository[WebhookSubscription]):
    model = WebhookSubscription
    key = WebhookSubscription.id
    label = "Webhook subscription"

    def scope(self, stmt: AnySelect) -> AnySelect:
        p = self.principal
        owners = select(Account.id)
        if Role.ADMIN in p.roles:
            owners = owners.where(Account.region.startswith(p.region, autoescape=True))
        else:
            owners = owners.where(Account.kind == p.kind, Account.login == p.subject)
        return stmt.where(
            WebhookSubscription.deleted_at.is_(None),
            WebhookSubscription.account_id.in_(owners),
        )

    @staticmethod
    async def active_of(session: AsyncSession, account_id: uuid.UUID) -> int:
        """How many live subscriptions the account holds (its own, whoever asks)."""
        count = await session.scalar(
            select(func.count())
            .select_from(WebhookSubscription)
            .where(
                WebhookSubscription.account_id == account_id,
                WebhookSubscription.deleted_at.is_(None),
            )
        )
        return int(count or 0)
