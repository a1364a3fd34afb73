"""/api/v1/webhooks: subscriptions of API clients (their own) and administrators (any
within their region), their delivery log, and replay from a point in time.

Rate limits, per account, by the proxy's own limiters (proxy/forward.py Protection): every
call counts against the account's budget for the whole API; subscribing and replaying
also against their own, smaller ones. Past a limit: 429 with Retry-After."""

from __future__ import annotations

import math
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import select, update

from cwp_common.auth import Principal, Role, current_principal
from cwp_common.db import utcnow
from cwp_common.formats import IsoMoment
from cwp_common.openapi import answers
from cwp_common.pagination import MAX_LIMIT, Page, fetch_page
from cwp_common.problems import Conflict, Forbidden, InvalidInput, ProblemError
from cwp_common.service import SessionDep
from cwp_gateway.accounts.models import Kind
from cwp_gateway.accounts.repository import AccountRepository
from cwp_gateway.proxy.forward import Protection, account_key
from cwp_gateway.proxy.resilience import RateLimiter
from cwp_gateway.state import gateway_state
from cwp_gateway.webhooks import catalogue
from cwp_gateway.webhooks.addresses import RefusedAddress, check_url
from cwp_gateway.webhooks.fanout import MAX_REPLAY, TooManyEvents, replay
from cwp_gateway.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from cwp_gateway.webhooks.repository import SubscriptionRepository
from cwp_gateway.webhooks.schemas import (
    DeliveryOut,
    ReplayOut,
    WebhookCreated,
    WebhookIn,
    WebhookOut,
)
from cwp_gateway.webhooks.signing import new_secret

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])


async def subscriber(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    """API clients and administrators (the token check is a dependency of its own, so the
    documents state its 401 and 403 as for every role check)."""
    if principal.kind == Kind.CLIENT.value or Role.ADMIN in principal.roles:
        return principal
    raise Forbidden("Webhooks are for API clients and administrators / 仅接口客户端和管理员可订阅")


class RateLimited(ProblemError):
    def __init__(self, wait: float, what: str) -> None:
        super().__init__(
            429,
            "rate-limited",
            "Too many requests",
            f"Too many {what} from this account; slow down / 请求过于频繁",
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )


def _protection(request: Request) -> Protection:
    return gateway_state(request).services.protection


def _take(limiter: RateLimiter, principal: Principal, what: str) -> None:
    wait = limiter.take(account_key(principal))
    if wait:
        raise RateLimited(wait, what)


@answers(429)
async def limited_subscriber(
    principal: Annotated[Principal, Depends(subscriber)], request: Request
) -> Principal:
    """A subscriber within the account's budget for the whole API."""
    wait = _protection(request).per_account(principal)
    if wait:
        raise RateLimited(wait, "requests")
    return principal


Subscriber = Annotated[Principal, Depends(limited_subscriber)]


def _dev(request: Request) -> bool:
    return bool(request.app.state.runtime.platform.is_dev)


class EventsUnavailable(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            503,
            "events-unavailable",
            "Service unavailable",
            "The event streams cannot be read now; try again later / 事件流暂不可用",
            headers={"Retry-After": "5"},
        )


class TooManySubscriptions(Conflict):
    def __init__(self, most: int) -> None:
        super().__init__(
            "webhook-limit",
            f"This account holds {most} subscriptions, the most allowed; delete one first "
            "/ 订阅数已达上限，请先删除一个",
        )


@router.post(
    "",
    status_code=201,
    responses={409: {"description": "The account holds the most subscriptions allowed"}},
)
async def subscribe(
    body: WebhookIn, principal: Subscriber, session: SessionDep, request: Request
) -> WebhookCreated:
    """Subscribe to event types (by subject); the answer shows the signing secret once."""
    unknown = sorted(set(body.events) - set(catalogue.EVENTS))
    if unknown:
        raise InvalidInput(
            "events",
            f"Unknown event types: {', '.join(unknown)[:300]}; known: "
            f"{', '.join(sorted(catalogue.EVENTS))} / 未知事件类型",
        )
    # Counted once the request is well formed: a refused URL costs a try too (each is a
    # name resolved), a typo in the event names does not.
    _take(_protection(request).webhook_subscribes, principal, "subscriptions")
    try:
        await check_url(body.url, _dev(request))
    except RefusedAddress as exc:
        raise InvalidInput("url", f"The URL is refused: {exc} / 地址不可用") from None
    async with session.begin():
        # Locked: two subscribes of one account at once count one after the other.
        owner = await AccountRepository.as_platform(session).by_login(
            Kind(principal.kind), principal.subject, for_update=True
        )
        if owner is None or owner.disabled:
            raise Forbidden("The account is not active / 账户不可用")
        most = gateway_state(request).settings.webhook_max_subscriptions
        if await SubscriptionRepository.active_of(session, owner.id) >= most:
            raise TooManySubscriptions(most)
        row = WebhookSubscription(
            account_id=owner.id,
            url=body.url,
            events=sorted(set(body.events)),
            secret=new_secret(),
            description=body.description,
            created_at=utcnow(),
            created_by=principal.subject,
        )
        session.add(row)
        await session.flush()
        return WebhookCreated.with_secret(row)


@router.get("")
async def list_subscriptions(
    principal: Subscriber,
    session: SessionDep,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
) -> Page[WebhookOut]:
    repo = SubscriptionRepository(session, principal)
    rows, next_cursor = await repo.page(repo.scoped(), cursor, limit)
    return Page(items=[WebhookOut.from_model(r) for r in rows], next_cursor=next_cursor)


@router.get("/{subscription_id}")
async def get_subscription(
    subscription_id: uuid.UUID, principal: Subscriber, session: SessionDep
) -> WebhookOut:
    repo = SubscriptionRepository(session, principal)
    return WebhookOut.from_model(await repo.get_or_404(subscription_id))


@router.delete("/{subscription_id}", status_code=204)
async def delete_subscription(
    subscription_id: uuid.UUID, principal: Subscriber, session: SessionDep
) -> Response:
    """Stop the subscription; its pending deliveries are cancelled, its log stays."""
    async with session.begin():
        row = await SubscriptionRepository(session, principal).get_or_404(
            subscription_id, for_update=True
        )
        row.deleted_at = utcnow()
        await session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.subscription_id == row.id,
                WebhookDelivery.status == DeliveryStatus.PENDING.value,
            )
            .values(status=DeliveryStatus.CANCELLED.value, next_attempt_at=None)
        )
    return Response(status_code=204)


@router.get("/{subscription_id}/deliveries")
async def list_deliveries(
    subscription_id: uuid.UUID,
    principal: Subscriber,
    session: SessionDep,
    status: Literal["pending", "delivered", "failed", "cancelled"] | None = None,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
) -> Page[DeliveryOut]:
    """The delivery log, oldest first: each event's attempts and how the last one went."""
    row = await SubscriptionRepository(session, principal).get_or_404(subscription_id)
    stmt = select(WebhookDelivery).where(WebhookDelivery.subscription_id == row.id)
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    rows, next_cursor = await fetch_page(session, stmt, WebhookDelivery.id, cursor, limit)
    return Page(items=[DeliveryOut.from_model(r) for r in rows], next_cursor=next_cursor)


@router.post("/{subscription_id}/replay", status_code=202)
async def replay_since(
    subscription_id: uuid.UUID,
    since: IsoMoment,
    principal: Subscriber,
    session: SessionDep,
    request: Request,
) -> ReplayOut:
    """Deliver again every subscribed event published since `since`, read from the
    event streams (filtered as live deliveries are), with their original webhook-id."""
    if since.tzinfo is None:
        raise InvalidInput("since", "`since` needs a time zone, e.g. 2026-12-01T00:00:00Z")
    if since > utcnow():
        raise InvalidInput("since", "`since` lies in the future / 起始时间晚于当前时间")
    link = request.app.state.runtime.link
    if link is None or not link.connected:
        raise EventsUnavailable()
    async with session.begin():
        row = await SubscriptionRepository(session, principal).get_or_404(subscription_id)
        # Only a replay that will read the streams counts against the replay limit.
        _take(_protection(request).webhook_replays, principal, "replays")
        try:
            queued = await replay(session, link, row, since)
        except TooManyEvents as exc:
            raise InvalidInput(
                "since",
                f"{exc.count} events since then, more than {MAX_REPLAY} at once; "
                "replay from a later time / 事件过多，请缩短时间范围",
            ) from None
        except (ConnectionError, TimeoutError) as exc:
            raise EventsUnavailable() from exc
    request.app.state.webhooks.wake()
    return ReplayOut(queued=queued)
