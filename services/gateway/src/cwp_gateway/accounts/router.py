"""/api/v1/auth: the OAuth2 token endpoint, and account administration for admins."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, TypeVar
from urllib.parse import unquote_plus

from fastapi import APIRouter, Depends, Form, Query, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Admin, Principal, Writer, current_principal
from cwp_common.pagination import MAX_LIMIT, Page
from cwp_common.service import SessionDep
from cwp_gateway.accounts import service
from cwp_gateway.accounts.exceptions import (
    InvalidTokenRequest,
    UnsupportedGrantType,
)
from cwp_gateway.accounts.models import Account, Kind
from cwp_gateway.accounts.repository import AccountRepository, AuditRepository
from cwp_gateway.accounts.schemas import (
    AccountOut,
    AccountPatch,
    ActivateIn,
    ActivationCodeIn,
    ActivationCodeOut,
    AuditOut,
    ClientCreated,
    ClientIn,
    ClientOut,
    PasswordChange,
    PasswordReset,
    SecretRotated,
    SecretRotation,
    TokenOut,
    UserIn,
    UserOut,
)
from cwp_gateway.accounts.workers import worker_community
from cwp_gateway.state import GatewayState, gateway_state

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
State = Annotated[GatewayState, Depends(gateway_state)]
Out = TypeVar("Out", bound=AccountOut)  # the users' or the clients' view of an account
FormField = Annotated[str | None, Form()]


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    """client_id and secret from HTTP Basic, form-decoded as RFC 6749 §2.3.1 asks."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client_id, sep, secret = base64.b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        sep = ""
    if not sep:
        raise InvalidTokenRequest("The Basic authorization header is malformed")
    return unquote_plus(client_id), unquote_plus(secret)


def _has_control_characters(value: str) -> bool:
    return any(ord(c) < 0x20 or ord(c) == 0x7F for c in value)


def _required(**fields: str | None) -> list[str]:
    missing = [name for name, value in fields.items() if not value]
    if missing:
        raise InvalidTokenRequest(f"Missing form field(s): {', '.join(missing)} / 缺少字段")
    return [v for v in fields.values() if v]


# Routes that check a password or a code are slowed down after failures like sign-ins.
SLOWED: dict[int | str, dict[str, Any]] = {
    429: {"description": "Too many failed attempts: wait Retry-After seconds"}
}


@router.post(
    "/token",
    response_model=TokenOut,
    responses={429: {"description": "Too many failed sign-ins: wait Retry-After seconds"}},
)
async def token(
    request: Request,
    response: Response,
    session: SessionDep,
    state: State,
    grant_type: FormField = None,
    username: FormField = None,
    password: FormField = None,
    client_id: FormField = None,
    client_secret: FormField = None,
    refresh_token: FormField = None,
    scope: FormField = None,  # accepted and ignored: roles and region come from the account
) -> TokenOut:
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("application/x-www-form-urlencoded"):
        raise InvalidTokenRequest(
            "The token request must be application/x-www-form-urlencoded (RFC 6749)"
        )
    if grant_type == "password":
        login, secret = _required(username=username, password=password)
        kind = Kind.USER
    elif grant_type == "client_credentials":
        basic = _basic_credentials(request)
        if basic and (client_id or client_secret):
            raise InvalidTokenRequest("Send client credentials in the form or Basic, not both")
        login, secret = basic or _required(client_id=client_id, client_secret=client_secret)
        kind = Kind.CLIENT
    elif grant_type == "refresh_token":
        (presented,) = _required(refresh_token=refresh_token)
        return await _refreshed(session, state, response, presented)
    elif not grant_type:
        raise InvalidTokenRequest("Missing form field(s): grant_type / 缺少字段")
    else:
        raise UnsupportedGrantType(grant_type)
    if _has_control_characters(login):
        # No account name holds one, and PostgreSQL refuses NUL outright.
        raise InvalidTokenRequest("The account name contains control characters / 账号含控制字符")
    account = await service.sign_in(
        session,
        state.passwords,
        state.throttle,
        state.clock,
        kind,
        login,
        secret,
        state.address_of(request),
    )
    refresh = await service.issue_refresh(
        session, account, state.settings.refresh_token_ttl_seconds
    )
    return _token_answer(state, response, account, refresh)


async def _refreshed(
    session: SessionDep, state: GatewayState, response: Response, presented: str
) -> TokenOut:
    account, family = await service.use_refresh(session, presented, state.clock)
    refresh = await service.issue_refresh(
        session, account, state.settings.refresh_token_ttl_seconds, family
    )
    return _token_answer(state, response, account, refresh)


def _token_answer(
    state: GatewayState, response: Response, account: Account, refresh: tuple[str, int] | None
) -> TokenOut:
    response.headers["Cache-Control"] = "no-store"  # RFC 6749 §5.1
    response.headers["Pragma"] = "no-cache"
    ttl = state.settings.access_token_ttl_seconds
    return service.issue_token(state.token_signer, account, ttl, refresh)


Cursor = Annotated[str | None, Query()]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Caller = Annotated[Principal, Depends(current_principal)]


@router.post("/me/password", responses=SLOWED)
async def change_my_password(
    body: PasswordChange,
    request: Request,
    response: Response,
    principal: Caller,
    session: SessionDep,
    state: State,
) -> TokenOut:
    """Change one's own password (the current one is required). Every older token of the
    account stops working on every service; the answer carries a new one."""
    account = await service.change_own_password(
        session,
        state.passwords,
        state.throttle,
        state.clock,
        principal,
        body,
        state.address_of(request),
    )
    response.headers["Cache-Control"] = "no-store"
    return service.issue_token(state.token_signer, account, state.settings.access_token_ttl_seconds)


async def _page_of(
    out: type[Out],
    kind: Kind,
    principal: Principal,
    session: AsyncSession,
    cursor: str | None,
    limit: int,
) -> Page[Out]:
    rows, next_cursor = await AccountRepository(session, principal).list_page(kind, cursor, limit)
    return Page(items=[out.from_model(a) for a in rows], next_cursor=next_cursor)


async def _one_of(
    out: type[Out], kind: Kind, login: str, principal: Principal, session: AsyncSession
) -> Out:
    return out.from_model(await AccountRepository(session, principal).by_login_or_404(kind, login))


@router.post(
    "/users",
    status_code=status.HTTP_201_CREATED,
    responses={409: {"description": "The username is taken, or the worker has an account"}},
)
async def create_user(
    body: UserIn, request: Request, principal: Admin, session: SessionDep, state: State
) -> UserOut:
    """A staff account (`roles`, `region`), or a worker's own (`roles: ["worker"]`,
    `worker_id`: its region is the worker's community, which the registry must show the
    caller)."""
    community = None
    if body.worker_id is not None:
        community = await worker_community(
            state.services, request.headers["authorization"], body.worker_id
        )
    account = await service.create_user(session, state.passwords, principal, body, community)
    return UserOut.from_model(account)


@router.post(
    "/activation-codes",
    status_code=status.HTTP_201_CREATED,
    responses={429: {"description": "Too many codes for this worker today: wait Retry-After"}},
)
async def issue_activation_code(
    body: ActivationCodeIn,
    request: Request,
    response: Response,
    principal: Writer,
    session: SessionDep,
    state: State,
) -> ActivationCodeOut:
    """A one-time code with which a worker sets their password (creating the worker's
    account, named `username`, when there is none). Staff in the worker's region issue it;
    it expires, works once, and a new one voids the earlier."""
    community = await worker_community(
        state.services, request.headers["authorization"], body.worker_id
    )
    account, code, expires = await service.issue_activation_code(
        session,
        state.passwords,
        principal,
        body,
        community,
        state.settings.activation_code_ttl_seconds,
        state.settings.activation_codes_per_day,
        state.clock(),
    )
    response.headers["Cache-Control"] = "no-store"
    return ActivationCodeOut(username=account.login, code=code, expires_at=expires)


@router.post("/activate", responses=SLOWED)
async def activate(
    body: ActivateIn, request: Request, response: Response, session: SessionDep, state: State
) -> TokenOut:
    """A worker redeems an activation code and sets a password; the answer signs them in.
    Wrong attempts are slowed down like failed sign-ins (429 with Retry-After)."""
    account = await service.activate(
        session, state.passwords, state.throttle, state.clock, body, state.address_of(request)
    )
    refresh = await service.issue_refresh(
        session, account, state.settings.refresh_token_ttl_seconds
    )
    return _token_answer(state, response, account, refresh)


@router.get("/users")
async def list_users(
    principal: Admin, session: SessionDep, cursor: Cursor = None, limit: Limit = 100
) -> Page[UserOut]:
    return await _page_of(UserOut, Kind.USER, principal, session, cursor, limit)


@router.get("/users/{username}")
async def get_user(username: str, principal: Admin, session: SessionDep) -> UserOut:
    return await _one_of(UserOut, Kind.USER, username, principal, session)


@router.patch(
    "/users/{username}",
    responses={409: {"description": "One's own account, or the last national admin"}},
)
async def patch_user(
    username: str, body: AccountPatch, principal: Admin, session: SessionDep
) -> UserOut:
    """Disable or enable a user, or change its roles or region (never one's own)."""
    account = await service.change_account(session, principal, Kind.USER, username, body)
    return UserOut.from_model(account)


@router.put(
    "/users/{username}/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={409: {"description": "One's own password is changed at /auth/me/password"}},
)
async def reset_password(
    username: str, body: PasswordReset, principal: Admin, session: SessionDep, state: State
) -> Response:
    """Set another user's password; every older token of that user stops working."""
    await service.reset_password(session, state.passwords, principal, username, body)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# Clients mirror the users' endpoints: the handlers repeat in shape only; the work is in
# _page_of, _one_of and the service, shared by both kinds.
@router.post("/clients", status_code=status.HTTP_201_CREATED)
async def create_client(
    body: ClientIn, principal: Admin, session: SessionDep, state: State
) -> ClientCreated:
    account, secret = await service.create_client(session, state.passwords, principal, body)
    return ClientCreated.with_secret(account, secret)


@router.get("/clients")
async def list_clients(
    principal: Admin, session: SessionDep, cursor: Cursor = None, limit: Limit = 100
) -> Page[ClientOut]:
    return await _page_of(ClientOut, Kind.CLIENT, principal, session, cursor, limit)


@router.get("/clients/{client_id}")
async def get_client(client_id: str, principal: Admin, session: SessionDep) -> ClientOut:
    return await _one_of(ClientOut, Kind.CLIENT, client_id, principal, session)


@router.patch("/clients/{client_id}")
async def patch_client(
    client_id: str, body: AccountPatch, principal: Admin, session: SessionDep
) -> ClientOut:
    """Disable or enable a client, or change its roles or region (never one's own)."""
    account = await service.change_account(session, principal, Kind.CLIENT, client_id, body)
    return ClientOut.from_model(account)


@router.post("/clients/{client_id}/secret")
async def rotate_secret(
    client_id: str,
    body: SecretRotation,
    response: Response,
    principal: Admin,
    session: SessionDep,
    state: State,
) -> SecretRotated:
    """A new secret, shown once; the old one works for `grace_seconds` more."""
    account, secret = await service.rotate_secret(
        session,
        state.passwords,
        principal,
        client_id,
        body.grace_seconds,
        state.settings.max_secret_grace_seconds,
    )
    response.headers["Cache-Control"] = "no-store"
    return SecretRotated(
        client_id=account.login,
        client_secret=secret,
        previous_secret_valid_until=account.previous_secret_until if body.grace_seconds else None,
    )


@router.get("/audit")
async def audit_log(
    principal: Admin,
    session: SessionDep,
    target: Annotated[str | None, Query(max_length=64)] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Page[AuditOut]:
    """What happened to accounts in the caller's region, oldest first: sign-in alarms,
    creation, disabling and enabling, role, region, password and secret changes."""
    rows, next_cursor = await AuditRepository(session, principal).list_page(target, cursor, limit)
    return Page(items=[AuditOut.from_model(e) for e in rows], next_cursor=next_cursor)
