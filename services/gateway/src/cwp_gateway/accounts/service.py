"""Account use cases: sign-in with growing delays, creation and changes under the scope
and role rules, passwords and client secrets, revocation, and the bootstrap
administrator. Every change to an account's standing is written to the audit log."""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cwp_common.auth import Principal, Role, TokenSigner
from cwp_common.db import new_id, utcnow
from cwp_common.events.contracts import AccountRevoked, RevocationReason
from cwp_common.events.outbox import queue_event
from cwp_common.problems import InvalidInput
from cwp_common.repository import PLATFORM
from cwp_gateway.accounts import rules
from cwp_gateway.accounts.exceptions import (
    AccountDisabled,
    GraceTooLong,
    InvalidActivationCode,
    InvalidClient,
    InvalidGrant,
    InvalidRefreshToken,
    LastNationalAdmin,
    NothingToChange,
    RegionOutOfScope,
    RoleEscalation,
    SelfChange,
    TooManyAttempts,
    TooManyCodes,
    UsernameTaken,
    UsersOnly,
    WorkerAccountFixed,
    WorkerHasAccount,
    WorkerRegionMismatch,
    WrongPassword,
)
from cwp_gateway.accounts.models import (
    Account,
    ActivationCode,
    AuditAction,
    AuditEntry,
    Kind,
    RefreshToken,
)
from cwp_gateway.accounts.passwords import Passwords
from cwp_gateway.accounts.repository import (
    AccountRepository,
    ActivationCodes,
    AuditRepository,
    RefreshTokens,
    SignInFailures,
)
from cwp_gateway.accounts.schemas import (
    AccountPatch,
    ActivateIn,
    ActivationCodeIn,
    ClientIn,
    PasswordChange,
    PasswordReset,
    TokenOut,
    UserIn,
)

log = logging.getLogger("cwp.gateway.accounts")
Clock = Callable[[], datetime]


# --- signing in --------------------------------------------------------------------------


async def sign_in(
    session: AsyncSession,
    passwords: Passwords,
    throttle: rules.Throttle,
    clock: Clock,
    kind: Kind,
    login: str,
    secret: str,
    address: str,
) -> Account:
    key = rules.login_key(login)
    async with session.begin():
        account = await AccountRepository.as_platform(session).by_login(kind, login)
    failing = await _wait_is_over(session, kind, key, address, clock())
    # Always at least one hash verification, found or not: same answer, same time.
    if account is None or not await _secret_matches(passwords, account, secret, clock()):
        if account is None:
            await passwords.verify(None, secret)
        await _count_failure(session, throttle, kind, key, address, account, clock())
        raise InvalidGrant() if kind is Kind.USER else InvalidClient()
    if failing:  # a success ends this address's streak; the common path writes nothing
        async with session.begin():
            await SignInFailures(session).clear(kind, key, address)
    if account.disabled:
        raise AccountDisabled(400 if kind is Kind.USER else 401)
    if passwords.needs_rehash(account.secret_hash):
        async with session.begin():
            account.secret_hash = await passwords.hash(secret)
    return account


async def _wait_is_over(
    session: AsyncSession, kind: Kind, key: str, address: str, now: datetime
) -> bool:
    """Refuse, before the secret is checked, an address still waiting after failures for
    this name. Only that address waits: the owner elsewhere signs in at once. True when
    the address has a streak of failures on record."""
    async with session.begin():
        failure = await SignInFailures(session).find(kind, key, address)
    until = failure.blocked_until if failure is not None else None
    if until is not None and until > now:
        raise TooManyAttempts(rules.retry_after(until, now))
    return failure is not None


async def _secret_matches(
    passwords: Passwords, account: Account, secret: str, now: datetime
) -> bool:
    if await passwords.verify(account.secret_hash, secret):
        return True
    previous, until = account.previous_secret_hash, account.previous_secret_until
    if previous is None or until is None or until <= now:
        return False
    return await passwords.verify(previous, secret)


async def _count_failure(
    session: AsyncSession,
    throttle: rules.Throttle,
    kind: Kind,
    key: str,
    address: str,
    account: Account | None,
    now: datetime,
) -> None:
    failures = SignInFailures(session)
    async with session.begin():
        streak = await failures.record(kind, key, address, throttle, now)
        delay = throttle.delay_after(streak)
        if delay:
            await failures.block(kind, key, address, now + timedelta(seconds=delay))
        of_name = await failures.failures_of_name(kind, key, now, throttle)
        if throttle.alarms(of_name):
            # The alarm names the account when it exists; for an unknown name only its
            # hash (it may be a password typed into the wrong field), nationally.
            _audit(
                session,
                AuditAction.SIGN_IN_ALARM,
                "anonymous",
                kind,
                account.login if account else key,
                account.region if account else "",
                address=address,
                detail={"failures": of_name, "window_seconds": throttle.window_seconds},
            )
            log.warning("sign-in alarm: %d failed attempts for one %s name", of_name, kind)
    # Separate transaction: each holds at most one statement's row locks, so concurrent
    # failures never wait on each other in a cycle.
    async with session.begin():
        await failures.prune(throttle, now)


def token_not_before(account: Account) -> int:
    """The earliest `iat` the services accept for this account (whole seconds, up)."""
    at = account.tokens_not_before
    return math.ceil(at.timestamp()) if at is not None else 0


def issue_token(
    signer: TokenSigner,
    account: Account,
    ttl_seconds: int,
    refresh: tuple[str, int] | None = None,
) -> TokenOut:
    roles = sorted(account.roles)
    token = signer.issue(
        account.login,
        account.kind,
        roles,
        account.region,
        ttl_seconds,
        token_not_before(account),
        worker_id=str(account.worker_id) if account.worker_id else None,
    )
    return TokenOut(
        access_token=token,
        expires_in=ttl_seconds,
        region=account.region,
        roles=roles,
        refresh_token=refresh[0] if refresh else None,
        refresh_expires_in=refresh[1] if refresh else None,
    )


# --- refresh tokens ----------------------------------------------------------------------


def _digest(token: str) -> str:
    # 256 random bits: a plain hash is enough, nothing to stretch.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


async def issue_refresh(
    session: AsyncSession, account: Account, ttl_seconds: int, family: uuid.UUID | None = None
) -> tuple[str, int] | None:
    """A refresh token for a person (clients sign in again with their secret, as RFC 6749
    §4.4.3 advises), or None when refresh tokens are off (ttl 0)."""
    if ttl_seconds <= 0 or account.kind != Kind.USER:
        return None
    token = secrets.token_urlsafe(32)
    now = utcnow()
    async with session.begin():
        await RefreshTokens(session).prune(account.id, now)
        session.add(
            RefreshToken(
                token_hash=_digest(token),
                account_id=account.id,
                family=family or new_id(),
                issued_at=now,
                expires_at=now + timedelta(seconds=ttl_seconds),
            )
        )
    return token, ttl_seconds


async def use_refresh(
    session: AsyncSession, presented: str, clock: Clock
) -> tuple[Account, uuid.UUID]:
    """The account a refresh token stands for, spending the token. Refused: unknown,
    expired, already spent (then the whole family ends: it was copied), or issued before
    the account's latest revocation (disabled, roles, region or password changed)."""
    now = clock()
    reused = False
    async with session.begin():
        tokens = RefreshTokens(session)
        row = await tokens.find(_digest(presented))
        if row is None or row.expires_at <= now:
            raise InvalidRefreshToken()
        if row.used_at is not None or not await tokens.spend(row, utcnow()):
            await tokens.end_family(row.family, utcnow())
            reused = True
        account = await AccountRepository.as_platform(session).get(row.account_id)
    if reused:  # after the commit, so the family stays ended
        log.warning("a spent refresh token was presented again; its family is ended")
        raise InvalidRefreshToken()
    if account is None:
        raise InvalidRefreshToken()
    if account.disabled:
        raise AccountDisabled(400)
    revoked = account.tokens_not_before
    if revoked is not None and row.issued_at < revoked:
        raise InvalidRefreshToken()
    return account, row.family


# --- revocation and audit ----------------------------------------------------------------


async def revoke(session: AsyncSession, account: Account, reason: RevocationReason) -> None:
    """Every token of the account issued until now stops working on every service: the
    event leaves through the outbox with this transaction (cwp_common.revocation)."""
    now = utcnow()
    account.tokens_not_before = now
    await queue_event(
        session,
        AccountRevoked(subject=account.login, kind=account.kind, not_before=now, reason=reason),  # type: ignore[arg-type]
    )


def _audit(
    session: AsyncSession,
    action: AuditAction,
    actor: str,
    target_kind: str,
    target: str,
    region: str,
    *,
    address: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    AuditRepository(session, PLATFORM).add(
        AuditEntry(
            action=action.value,
            actor=actor,
            target_kind=target_kind,
            target=target,
            region=region,
            address=address,
            detail=detail or {},
        )
    )


def audit_change(
    session: AsyncSession,
    action: AuditAction,
    actor: str,
    account: Account,
    detail: dict[str, Any] | None = None,
) -> None:
    """An account change not made by a person's request (a registry event)."""
    _audit(session, action, actor, account.kind, account.login, account.region, detail=detail)


def _audit_account(
    session: AsyncSession,
    action: AuditAction,
    principal: Principal,
    account: Account,
    detail: dict[str, Any] | None = None,
) -> None:
    _audit(
        session,
        action,
        principal.subject,
        account.kind,
        account.login,
        account.region,
        detail=detail,
    )


# --- creating and changing accounts ------------------------------------------------------


def ensure_may_grant(principal: Principal, roles: list[str], region: str) -> None:
    if not rules.region_within(region, principal.region):
        raise RegionOutOfScope(region, principal.region)
    # `worker` is no staff power: it is granted alone, to a worker's own account.
    missing = rules.roles_not_held([r for r in roles if r != Role.WORKER], principal.roles)
    if missing:
        raise RoleEscalation(missing)


def _is_self(principal: Principal, account: Account) -> bool:
    return account.kind == principal.kind and account.login == principal.subject


async def create_user(
    session: AsyncSession,
    passwords: Passwords,
    principal: Principal,
    data: UserIn,
    community: str | None = None,
) -> Account:
    """`community`: for a worker's account, the worker's community from the registry."""
    if data.worker_id is not None:
        if community is None or data.region not in (None, community):
            raise WorkerRegionMismatch()
        region = community
    else:
        region = data.region or ""
    ensure_may_grant(principal, list(data.roles), region)
    account = Account(
        kind=Kind.USER,
        login=data.username,
        name=data.username,
        secret_hash=await passwords.hash(data.password),
        roles=sorted(set(data.roles)),
        region=region,
        created_by=principal.subject,
        worker_id=data.worker_id,
    )
    await _add_account(session, principal, account)
    return account


async def _add_account(session: AsyncSession, principal: Principal, account: Account) -> None:
    """Insert a new user account (a name and a worker have one account each)."""
    platform = AccountRepository.as_platform(session)
    try:
        async with session.begin():
            if await platform.by_login(Kind.USER, account.login):
                raise UsernameTaken(account.login)
            if account.worker_id is not None and await platform.by_worker(account.worker_id):
                raise WorkerHasAccount()
            session.add(account)
            _audit_account(session, AuditAction.CREATED, principal, account)
    except IntegrityError:  # a concurrent request took the name or the worker first
        async with session.begin():
            if account.worker_id is not None and await platform.by_worker(account.worker_id):
                raise WorkerHasAccount() from None
        raise UsernameTaken(account.login) from None


# --- worker activation codes -------------------------------------------------------------

# Unambiguous when read aloud or off paper: no 0/O, 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12  # 31^12, about 59 bits: beyond guessing at the throttle's pace
CODE_DAY = timedelta(days=1)


def new_activation_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_code(code: str) -> str:
    """As typed: any case, with or without the dashes and spaces."""
    plain = "".join(c for c in code.upper() if c not in "- ")
    return "-".join(plain[i : i + 4] for i in range(0, len(plain), 4))


async def issue_activation_code(
    session: AsyncSession,
    passwords: Passwords,
    principal: Principal,
    data: ActivationCodeIn,
    community: str,
    ttl_seconds: int,
    per_day: int,
    now: datetime,
) -> tuple[Account, str, datetime]:
    """A one-time code for the worker's account, created (without a usable password) when
    the worker has none. Voids the worker's earlier unspent codes; at most `per_day`
    codes per worker in 24 hours."""
    ensure_may_grant(principal, [Role.WORKER], community)
    platform = AccountRepository.as_platform(session)
    async with session.begin():
        account = await platform.by_worker(data.worker_id)
    if account is None:
        if data.username is None:
            raise InvalidInput(
                "username",
                "The worker has no account yet: give it a username / 该工作者尚无账号，请提供用户名",
            )
        account = Account(
            kind=Kind.USER,
            login=data.username,
            name=data.username,
            # Nobody knows this password: the account opens with the code.
            secret_hash=await passwords.hash(secrets.token_urlsafe(32)),
            roles=[Role.WORKER.value],
            region=community,
            created_by=principal.subject,
            worker_id=data.worker_id,
        )
        await _add_account(session, principal, account)
    elif data.username is not None and data.username != account.login:
        raise WorkerHasAccount()
    code = new_activation_code()
    expires = now + timedelta(seconds=ttl_seconds)
    async with session.begin():
        account = await platform.by_worker(data.worker_id, for_update=True) or account
        codes = ActivationCodes(session)
        recent = await codes.issued_since(account.id, now - CODE_DAY)
        if len(recent) >= per_day:
            raise TooManyCodes(rules.retry_after(recent[0] + CODE_DAY, now))
        if account.region != community:  # the worker moved: the account follows
            account.region = community
            await revoke(session, account, "region_changed")
        await codes.void_unspent(account.id, now)
        session.add(
            ActivationCode(
                account_id=account.id,
                code_hash=_digest(code),
                created_at=now,
                created_by=principal.subject,
                expires_at=expires,
            )
        )
        _audit_account(session, AuditAction.ACTIVATION_CODE_ISSUED, principal, account)
    return account, code, expires


async def activate(
    session: AsyncSession,
    passwords: Passwords,
    throttle: rules.Throttle,
    clock: Clock,
    data: ActivateIn,
    address: str,
) -> Account:
    """Spend a worker's activation code and set the password. Wrong attempts are slowed
    down per (name, address) exactly like failed sign-ins; every older token of the
    account stops working."""
    key = rules.login_key(data.username)
    now = clock()
    failing = await _wait_is_over(session, Kind.ACTIVATION, key, address, now)
    new_hash = await passwords.hash(data.password)
    async with session.begin():
        account = await AccountRepository.as_platform(session).by_login(
            Kind.USER, data.username, for_update=True
        )
        spent = (
            account is not None
            and account.worker_id is not None
            and await ActivationCodes(session).spend(
                account.id, _digest(normalise_code(data.code)), now
            )
        )
        if spent and account is not None:
            account.secret_hash = new_hash
            await revoke(session, account, "password_changed")
            _audit(
                session,
                AuditAction.ACTIVATED,
                account.login,
                account.kind,
                account.login,
                account.region,
                address=address,
            )
    if not spent or account is None:
        await _count_failure(session, throttle, Kind.ACTIVATION, key, address, account, now)
        raise InvalidActivationCode()
    if failing:
        async with session.begin():
            await SignInFailures(session).clear(Kind.ACTIVATION, key, address)
    if account.disabled:
        raise AccountDisabled(400)
    return account


async def create_client(
    session: AsyncSession, passwords: Passwords, principal: Principal, data: ClientIn
) -> tuple[Account, str]:
    ensure_may_grant(principal, list(data.roles), data.region)
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
        _audit_account(session, AuditAction.CREATED, principal, account)
    return account, secret


async def change_account(
    session: AsyncSession, principal: Principal, kind: Kind, login: str, patch: AccountPatch
) -> Account:
    """Disable or enable an account, or change its roles or region. Any change but enabling
    revokes the account's older tokens on every service."""
    if patch.disabled is None and patch.roles is None and patch.region is None:
        raise NothingToChange()
    async with session.begin():
        account = await AccountRepository(session, principal).by_login_or_404(
            kind, login, for_update=True
        )
        if _is_self(principal, account):
            raise SelfChange("disabled flag, roles or region")
        disabled = account.disabled if patch.disabled is None else patch.disabled
        roles = account.roles if patch.roles is None else sorted({r.value for r in patch.roles})
        region = account.region if patch.region is None else patch.region
        # A worker's account is the worker's: one role, the community's region (which
        # follows the worker, see issue_activation_code); staff never get `worker`.
        if (account.worker_id is not None) != (Role.WORKER in roles) or (
            account.worker_id is not None and (len(roles) != 1 or region != account.region)
        ):
            raise WorkerAccountFixed()
        # Enabling gives the roles back, and changing roles or region grants them anew:
        # the same rule as creating. Disabling only takes away, so any admin in scope may.
        if (
            patch.roles is not None
            or patch.region is not None
            or (account.disabled and not disabled)
        ):
            ensure_may_grant(principal, roles, region)
        if rules.is_national_admin(account.roles, account.region, account.disabled) and not (
            rules.is_national_admin(roles, region, disabled)
        ):
            others = await AccountRepository.as_platform(session).national_admins()
            if not any(a.id != account.id for a in others):
                raise LastNationalAdmin()
        reasons: list[RevocationReason] = []
        if disabled != account.disabled:
            action = AuditAction.DISABLED if disabled else AuditAction.ENABLED
            _audit_account(session, action, principal, account)
            if disabled:
                reasons.append("disabled")
        if set(roles) != set(account.roles):
            detail: dict[str, Any] = {"from": sorted(account.roles), "to": roles}
            _audit_account(session, AuditAction.ROLES_CHANGED, principal, account, detail)
            reasons.append("roles_changed")
        if region != account.region:
            detail = {"from": account.region, "to": region}
            _audit_account(session, AuditAction.REGION_CHANGED, principal, account, detail)
            reasons.append("region_changed")
        account.disabled, account.roles, account.region = disabled, roles, region
        if reasons:
            await revoke(session, account, reasons[0])
    return account


# --- passwords and secrets ---------------------------------------------------------------


async def _set_password(
    session: AsyncSession,
    principal: Principal,
    account: Account,
    new_hash: str,
    action: AuditAction,
) -> None:
    """A new password, audited; every older token of the account stops working."""
    account.secret_hash = new_hash
    _audit_account(session, action, principal, account)
    await revoke(session, account, "password_changed")


async def change_own_password(
    session: AsyncSession,
    passwords: Passwords,
    throttle: rules.Throttle,
    clock: Clock,
    principal: Principal,
    data: PasswordChange,
    address: str,
) -> Account:
    """The owner, with the current password. A wrong one counts like a failed sign-in, so
    a stolen token cannot be used to guess the password faster than the token endpoint."""
    if principal.kind != Kind.USER:
        raise UsersOnly()
    key = rules.login_key(principal.subject)
    async with session.begin():
        account = await AccountRepository.as_platform(session).by_login_or_404(
            Kind.USER, principal.subject
        )
    await _wait_is_over(session, Kind.USER, key, address, clock())
    if not await passwords.verify(account.secret_hash, data.old_password):
        await _count_failure(session, throttle, Kind.USER, key, address, account, clock())
        raise WrongPassword()
    new_hash = await passwords.hash(data.new_password)
    async with session.begin():
        account = await AccountRepository.as_platform(session).by_login_or_404(
            Kind.USER, principal.subject, for_update=True
        )
        await _set_password(session, principal, account, new_hash, AuditAction.PASSWORD_CHANGED)
    return account


async def reset_password(
    session: AsyncSession,
    passwords: Passwords,
    principal: Principal,
    username: str,
    data: PasswordReset,
) -> Account:
    """An administrator in scope sets another user's password. Whoever knows a password
    acts as its account, so the administrator must hold every role of it."""
    new_hash = await passwords.hash(data.new_password)
    async with session.begin():
        account = await AccountRepository(session, principal).by_login_or_404(
            Kind.USER, username, for_update=True
        )
        if _is_self(principal, account):
            raise SelfChange("password here; use POST /api/v1/auth/me/password")
        ensure_may_grant(principal, account.roles, account.region)
        await _set_password(session, principal, account, new_hash, AuditAction.PASSWORD_RESET)
    return account


async def rotate_secret(
    session: AsyncSession,
    passwords: Passwords,
    principal: Principal,
    client_id: str,
    grace_seconds: int,
    max_grace_seconds: int,
) -> tuple[Account, str]:
    """A new secret for a client; the old one keeps working for `grace_seconds` so the
    system can switch without downtime. A grace of 0 is for a leaked secret: the old one
    stops at once and so do the tokens signed with it."""
    if grace_seconds > max_grace_seconds:
        raise GraceTooLong(max_grace_seconds)
    secret = secrets.token_urlsafe(32)
    new_hash = await passwords.hash(secret)
    async with session.begin():
        account = await AccountRepository(session, principal).by_login_or_404(
            Kind.CLIENT, client_id, for_update=True
        )
        ensure_may_grant(principal, account.roles, account.region)
        if grace_seconds:
            account.previous_secret_hash = account.secret_hash
            account.previous_secret_until = utcnow() + timedelta(seconds=grace_seconds)
        else:
            account.previous_secret_hash = account.previous_secret_until = None
            await revoke(session, account, "secret_replaced")
        account.secret_hash = new_hash
        detail = {"grace_seconds": grace_seconds}
        _audit_account(session, AuditAction.SECRET_ROTATED, principal, account, detail)
    return account, secret


# --- bootstrap ---------------------------------------------------------------------------


async def ensure_admin(
    sessions: async_sessionmaker[AsyncSession],
    passwords: Passwords,
    username: str,
    password: str,
) -> bool:
    """Create the national administrator with every role when missing; True if created.
    Its password is never updated from the environment once the account exists."""
    async with sessions() as session, session.begin():
        if await AccountRepository.as_platform(session).by_login(Kind.USER, username):
            return False
    async with sessions() as session:
        account = Account(
            kind=Kind.USER,
            login=username,
            name=username,
            secret_hash=await passwords.hash(password),
            roles=sorted(r for r in Role if r is not Role.WORKER),  # staff, not a worker
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
