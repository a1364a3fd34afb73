"""The dashboard's browser session: the account's own access token in an HttpOnly cookie
(so every figure is fetched with it and the services apply scope and `pii` exactly as in
the API), its refresh token beside it, and a double-submit CSRF token for every form.

Sign-in, refresh and the sign-in limits are the token endpoint's own use cases
(cwp_gateway.accounts.service): the same accounts, the same throttle, the same audit.
"""

from __future__ import annotations

import contextlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from cwp_common.auth import READ_ROLES, Principal, TokenVerifier
from cwp_common.problems import ProblemError
from cwp_gateway.accounts import service
from cwp_gateway.accounts.models import Account, Kind
from cwp_gateway.state import GatewayState

PATH = "/dashboard"  # the cookies never travel with /api/v1 calls (the proxy forwards headers)
ACCESS = "cwp-dashboard"
REFRESH = "cwp-dashboard-refresh"
CSRF = "cwp-dashboard-csrf"
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class Signed:
    """A signed-in browser: who, and the token the services are called with."""

    principal: Principal
    token: str


class SignInRefused(Exception):
    """A refused sign-in, named by a key of the dashboard's fixed texts."""

    def __init__(self, reason: str, retry_after: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def _secure(request: Request) -> bool:
    """Secure cookies everywhere but dev, where `make run` serves plain http."""
    return not request.app.state.runtime.platform.is_dev


def _set(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=PATH,
        secure=_secure(request),
        httponly=True,
        samesite="strict",
    )


def csrf_token(request: Request, response: Response) -> str:
    """The browser's CSRF token, set as a cookie when it has none yet."""
    token = request.cookies.get(CSRF)
    if not token:
        token = secrets.token_urlsafe(32)
        _set(request, response, CSRF, token, 12 * 3600)
    return token


def csrf_ok(request: Request, submitted: str | None) -> bool:
    """The form carries the cookie's token, and the browser does not say the request
    came from another site."""
    cookie = request.cookies.get(CSRF)
    if not cookie or not submitted or not hmac.compare_digest(cookie, submitted):
        return False
    return request.headers.get("sec-fetch-site", "same-origin") in {"same-origin", "none"}


async def sign_in(
    request: Request,
    response: Response,
    session: AsyncSession,
    state: GatewayState,
    username: str,
    password: str,
) -> None:
    try:
        account = await service.sign_in(
            session,
            state.passwords,
            state.throttle,
            state.clock,
            Kind.USER,
            username,
            password,
            state.address_of(request),
        )
    except ProblemError as exc:
        if exc.status == 429:
            raise SignInRefused("wait", exc.headers.get("Retry-After")) from None
        reason = "disabled" if exc.slug == "account-disabled" else "bad_credentials"
        raise SignInRefused(reason) from None
    await _issue(request, response, session, state, account, None)


async def _issue(
    request: Request,
    response: Response,
    session: AsyncSession,
    state: GatewayState,
    account: Account,
    family: uuid.UUID | None,
) -> str:
    ttl = state.settings.refresh_token_ttl_seconds
    refresh = await service.issue_refresh(session, account, ttl, family)
    answer = service.issue_token(
        state.token_signer, account, state.settings.access_token_ttl_seconds, refresh
    )
    # The access cookie outlives its token: an expired token in the cookie is what tells
    # the dashboard to spend the refresh token.
    _set(request, response, ACCESS, answer.access_token, ttl or answer.expires_in)
    if answer.refresh_token:
        _set(request, response, REFRESH, answer.refresh_token, ttl)
    return answer.access_token


async def current(
    request: Request, response: Response, session: AsyncSession, state: GatewayState
) -> Signed | None:
    """The signed-in browser, its access token renewed from the refresh cookie when it
    has expired; None when it must sign in (again)."""
    verifier: TokenVerifier = request.app.state.token_verifier
    token = request.cookies.get(ACCESS)
    if token:
        try:
            return Signed(verifier.verify(token), token)
        except ProblemError:
            pass  # expired, revoked or forged: try the refresh token, once
    presented = request.cookies.get(REFRESH)
    if not presented:
        if token:
            forget(request, response)  # a dead token: do not send it again
        return None
    try:
        account, family = await service.use_refresh(session, presented, state.clock)
        token = await _issue(request, response, session, state, account, family)
        return Signed(verifier.verify(token), token)
    except ProblemError:
        forget(request, response)
        return None


def may_view(principal: Principal) -> bool:
    return principal.kind == Kind.USER and principal.has_any(READ_ROLES)


async def sign_out(
    request: Request, response: Response, session: AsyncSession, state: GatewayState
) -> None:
    """Spend the refresh token, so a copy of it cannot sign in again, and drop the cookies."""
    presented = request.cookies.get(REFRESH)
    if presented:
        with contextlib.suppress(ProblemError):  # already spent or expired: nothing to end
            await service.use_refresh(session, presented, state.clock)
    forget(request, response)


def forget(request: Request, response: Response) -> None:
    for name in (ACCESS, REFRESH):
        response.delete_cookie(
            name, path=PATH, secure=_secure(request), httponly=True, samesite="strict"
        )
