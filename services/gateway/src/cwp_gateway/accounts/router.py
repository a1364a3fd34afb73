"""/api/v1/auth: the OAuth2 token endpoint, and account administration for admins."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated
from urllib.parse import unquote_plus

from fastapi import APIRouter, Depends, Form, Query, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import Admin, Principal
from cwp_common.pagination import MAX_LIMIT, Page, decode_cursor, encode_cursor
from cwp_common.service import SessionDep
from cwp_gateway.accounts import repository, service
from cwp_gateway.accounts.exceptions import (
    AccountNotFound,
    InvalidTokenRequest,
    UnsupportedGrantType,
)
from cwp_gateway.accounts.models import Account, Kind
from cwp_gateway.accounts.rules import Lockout
from cwp_gateway.accounts.schemas import (
    AccountPatch,
    ClientCreated,
    ClientIn,
    ClientOut,
    TokenOut,
    UserIn,
    UserOut,
)
from cwp_gateway.state import GatewayState, gateway_state

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
State = Annotated[GatewayState, Depends(gateway_state)]
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


@router.post("/token", response_model=TokenOut)
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
    elif not grant_type:
        raise InvalidTokenRequest("Missing form field(s): grant_type / 缺少字段")
    else:
        raise UnsupportedGrantType(grant_type)
    if _has_control_characters(login):
        # No account name holds one, and PostgreSQL refuses NUL outright.
        raise InvalidTokenRequest("The account name contains control characters / 账号含控制字符")
    settings = state.settings
    lockout = Lockout(settings.login_max_failures, settings.login_lockout_seconds)
    account = await service.sign_in(
        session, state.passwords, lockout, state.clock, kind, login, secret
    )
    assert state.signer is not None
    response.headers["Cache-Control"] = "no-store"  # RFC 6749 §5.1
    response.headers["Pragma"] = "no-cache"
    return service.issue_token(state.signer, account, state.settings.access_token_ttl_seconds)


def _user(a: Account) -> UserOut:
    return UserOut(
        id=a.id,
        username=a.login,
        roles=a.roles,
        region=a.region,
        disabled=a.disabled,
        created_at=a.created_at,
        created_by=a.created_by,
    )


def _client(a: Account) -> ClientOut:
    return ClientOut(
        id=a.id,
        client_id=a.login,
        name=a.name,
        roles=a.roles,
        region=a.region,
        disabled=a.disabled,
        created_at=a.created_at,
        created_by=a.created_by,
    )


Cursor = Annotated[str | None, Query()]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


async def _page(
    session: AsyncSession, principal: Principal, kind: Kind, cursor: str | None, limit: int
) -> tuple[list[Account], str | None]:
    rows = await repository.list_visible(session, principal, kind, decode_cursor(cursor), limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1].id) if more else None


@router.post("/users", status_code=status.HTTP_201_CREATED)
async def create_user(body: UserIn, principal: Admin, session: SessionDep, state: State) -> UserOut:
    return _user(await service.create_user(session, state.passwords, principal, body))


@router.get("/users")
async def list_users(
    principal: Admin, session: SessionDep, cursor: Cursor = None, limit: Limit = 100
) -> Page[UserOut]:
    rows, next_cursor = await _page(session, principal, Kind.USER, cursor, limit)
    return Page(items=[_user(a) for a in rows], next_cursor=next_cursor)


@router.get("/users/{username}")
async def get_user(username: str, principal: Admin, session: SessionDep) -> UserOut:
    account = await repository.get_visible(session, principal, Kind.USER, username)
    if account is None:
        raise AccountNotFound("User", username)
    return _user(account)


@router.patch("/users/{username}")
async def patch_user(
    username: str, body: AccountPatch, principal: Admin, session: SessionDep
) -> UserOut:
    return _user(await service.set_disabled(session, principal, Kind.USER, username, body.disabled))


@router.post("/clients", status_code=status.HTTP_201_CREATED)
async def create_client(
    body: ClientIn, principal: Admin, session: SessionDep, state: State
) -> ClientCreated:
    account, secret = await service.create_client(session, state.passwords, principal, body)
    return ClientCreated(**_client(account).model_dump(), client_secret=secret)


@router.get("/clients")
async def list_clients(
    principal: Admin, session: SessionDep, cursor: Cursor = None, limit: Limit = 100
) -> Page[ClientOut]:
    rows, next_cursor = await _page(session, principal, Kind.CLIENT, cursor, limit)
    return Page(items=[_client(a) for a in rows], next_cursor=next_cursor)


@router.get("/clients/{client_id}")
async def get_client(client_id: str, principal: Admin, session: SessionDep) -> ClientOut:
    account = await repository.get_visible(session, principal, Kind.CLIENT, client_id)
    if account is None:
        raise AccountNotFound("Client", client_id)
    return _client(account)


@router.patch("/clients/{client_id}")
async def patch_client(
    client_id: str, body: AccountPatch, principal: Admin, session: SessionDep
) -> ClientOut:
    return _client(
        await service.set_disabled(session, principal, Kind.CLIENT, client_id, body.disabled)
    )
