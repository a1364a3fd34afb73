"""Account use cases: sign-in, creation under the scope and role rules, disabling, and
the bootstrap administrator."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cwp_common.auth import Principal, Role, TokenSigner
from cwp_gateway.accounts import repository, rules
from cwp_gateway.accounts.exceptions import (
    AccountDisabled,
    AccountNotFound,
    CannotDisableSelf,
    InvalidClient,
    InvalidGrant,
    RegionOutOfScope,
    RoleEscalation,
    TooManyAttempts,
    UsernameTaken,
)
from cwp_gateway.accounts.models import Account, Kind
from cwp_gateway.accounts.passwords import Passwords
from cwp_gateway.accounts.schemas import ClientIn, TokenOut, UserIn

log = logging.getLogger("cwp.gateway.accounts")


async def sign_in(
    session: AsyncSession,
    passwords: Passwords,
    lockout: rules.Lockout,
    clock: Callable[[], datetime],
    kind: Kind,
    login: str,
    secret: str,
) -> Account:
    key = rules.login_key(login)
    now = clock()
    async with session.begin():
        account = await repository.find_login(session, kind, login)
        failures = await repository.find_failures(session, kind, key)
    # A locked name is refused before its secret is checked, so the right password does
    # not get in, and an unknown name (counted the same way) looks like a real one.
    if failures is not None and failures.locked_until is not None and failures.locked_until > now:
        raise TooManyAttempts(rules.retry_after(failures.locked_until, now))
    # Always one hash verification, found or not: same answer, same time.
    ok = await passwords.verify(account.secret_hash if account else None, secret)
    if account is None or not ok:
        await _count_failure(session, lockout, kind, key, clock())
        raise InvalidGrant() if kind is Kind.USER else InvalidClient()
    # Attempts already past the check when a lock was set may still finish: the lock
    # bounds guessing to max_failures plus the attempts in flight.
    if failures is not None:  # the common path (no failures on record) writes nothing
        async with session.begin():
            await repository.clear_failures(session, kind, key)
    if account.disabled:
        raise AccountDisabled(400 if kind is Kind.USER else 401)
    if passwords.needs_rehash(account.secret_hash):
        async with session.begin():
            account.secret_hash = await passwords.hash(secret)
    return account


async def _count_failure(
    session: AsyncSession, lockout: rules.Lockout, kind: Kind, key: str, now: datetime
) -> None:
    # Two transactions: each holds at most the row locks of one statement, so concurrent
    # failures never wait on each other in a cycle.
    async with session.begin():
        await repository.record_failure(session, kind, key, lockout, now)
    async with session.begin():
        await repository.prune_failures(session, lockout, now)


def issue_token(signer: TokenSigner, account: Account, ttl_seconds: int) -> TokenOut:
    roles = sorted(account.roles)
    token = signer.issue(account.login, account.kind, roles, account.region, ttl_seconds)
    return TokenOut(access_token=token, expires_in=ttl_seconds, region=account.region, roles=roles)


def ensure_may_grant(principal: Principal, roles: list[Role], region: str) -> None:
    if not rules.region_within(region, principal.region):
        raise RegionOutOfScope(region, principal.region)
    missing = rules.roles_not_held(roles, principal.roles)
    if missing:
        raise RoleEscalation(missing)


async def create_user(
    session: AsyncSession, passwords: Passwords, principal: Principal, data: UserIn
) -> Account:
    ensure_may_grant(principal, data.roles, data.region)
    account = Account(
        kind=Kind.USER,
        login=data.username,
        name=data.username,
        secret_hash=await passwords.hash(data.password),
        roles=sorted(set(data.roles)),
        region=data.region,
        created_by=principal.subject,
    )
    try:
        async with session.begin():
            if await repository.find_login(session, Kind.USER, data.username) is not None:
                raise UsernameTaken(data.username)
            session.add(account)
    except IntegrityError:  # a concurrent request took the name first
        raise UsernameTaken(data.username) from None
    return account


async def create_client(
    session: AsyncSession, passwords: Passwords, principal: Principal, data: ClientIn
) -> tuple[Account, str]:
    ensure_may_grant(principal, data.roles, data.region)
    secret = secrets.token_urlsafe(32)
    account = Account(
        kind=Kind.CLIENT,
        login=f"cwp-{secrets.token_hex(8)}",
        name=data.name,
        secret_hash=await passwords.hash(secret),
        roles=sorted(set(data.roles)),
        region=data.region,
        created_by=principal.subject,
    )
    async with session.begin():
        session.add(account)
    return account, secret


async def set_disabled(
    session: AsyncSession, principal: Principal, kind: Kind, login: str, disabled: bool
) -> Account:
    async with session.begin():
        account = await repository.get_visible(session, principal, kind, login)
        if account is None:
            raise AccountNotFound(kind.value.capitalize(), login)
        if disabled and account.kind == principal.kind and account.login == principal.subject:
            raise CannotDisableSelf()
        if not disabled:  # enabling gives the account's roles back: the same rule as granting
            ensure_may_grant(principal, [Role(r) for r in account.roles], account.region)
        account.disabled = disabled
    return account


async def ensure_admin(
    sessions: async_sessionmaker[AsyncSession],
    passwords: Passwords,
    username: str,
    password: str,
) -> bool:
    """Create the national administrator with every role when missing; True if created.
    Its password is never updated from the environment once the account exists."""
    async with sessions() as session, session.begin():
        if await repository.find_login(session, Kind.USER, username) is not None:
            return False
    async with sessions() as session:
        account = Account(
            kind=Kind.USER,
            login=username,
            name=username,
            secret_hash=await passwords.hash(password),
            roles=sorted(Role),
            region="",
            created_by="bootstrap",
        )
        try:
            async with session.begin():
                session.add(account)
        except IntegrityError:  # another gateway process created it at the same time
            return False
    log.info("created the bootstrap administrator '%s'", username)
    return True
