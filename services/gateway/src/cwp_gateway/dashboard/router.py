"""/dashboard: the sign-in form, one page per region within the user's scope, sign-out,
and the reports downloaded with the browser's session. HTML pages, so they stay out of
the API's OpenAPI document; every figure comes from the services with the user's token."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

import jinja2
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cwp_common.clock import today_in_china
from cwp_common.problems import ProblemError
from cwp_common.service import SessionDep, TransactionSessionDep
from cwp_gateway.dashboard import regions, sessions, view
from cwp_gateway.dashboard.i18n import Lang, text
from cwp_gateway.dashboard.sources import sources_of
from cwp_gateway.reports import catalogue
from cwp_gateway.reports.service import render_report
from cwp_gateway.state import GatewayState, gateway_state

router = APIRouter(prefix="/dashboard", include_in_schema=False)
State = Annotated[GatewayState, Depends(gateway_state)]
LangQuery = Annotated[str, Query(max_length=2)]
FormText = Annotated[str, Form(max_length=256)]

TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("cwp_gateway.dashboard", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
# No script at all; inline styles and SVG only; forms post to this origin only.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}


def _lang(value: str) -> Lang:
    return "en" if value == "en" else "zh"


def _render(
    request: Request,
    response: Response,
    name: str,
    lang: Lang,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    other = "en" if lang == "zh" else "zh"
    region = request.query_params.get("region")
    query = {"region": region} if region is not None else {}
    lang_url = "/dashboard?" + urlencode({**query, "lang": other})
    html = TEMPLATES.get_template(name).render(
        lang=lang,
        t=lambda key: text(key, lang),
        lang_url=lang_url,
        csrf=sessions.csrf_token(request, response),
        **context,
    )
    out = HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
    for cookie in response.headers.getlist("set-cookie"):
        out.headers.append("set-cookie", cookie)
    return out


def _login_form(
    request: Request,
    lang: Lang,
    error: str | None = None,
    status: int = 200,
    response: Response | None = None,
) -> HTMLResponse:
    """`response` carries cookies already set or cleared on the way here."""
    return _render(request, response or Response(), "login.html", lang, status, error=error)


@router.get("")
async def page(
    request: Request,
    session: TransactionSessionDep,  # renewing the sign-in writes
    state: State,
    region: Annotated[str | None, Query(max_length=12)] = None,
    lang: LangQuery = "zh",
) -> Response:
    language = _lang(lang)
    response = Response()
    signed = await sessions.current(request, response, session, state)
    if signed is None:
        return _login_form(request, language, response=response)
    principal = signed.principal
    user = principal.subject
    if not sessions.may_view(principal):
        return _render(
            request, response, "refused.html", language, 403, reason="no_dashboard_role", user=user
        )
    code = principal.region if region is None else region
    if not regions.is_region(code) and code != principal.region:
        return _render(
            request, response, "refused.html", language, 400, reason="bad_region", user=user
        )
    if not regions.within(code, principal.region):
        return _render(
            request, response, "refused.html", language, 403, reason="out_of_scope", user=user
        )
    as_of = today_in_china()
    try:
        figures = await sources_of(request).figures(signed.token, code, as_of)
    except ProblemError as exc:
        if exc.status == 401:
            sessions.forget(request, response)
            return _login_form(request, language, response=response)
        return _render(
            request, response, "refused.html", language, 403, reason="out_of_scope", user=user
        )
    stats = figures.get("workforce") or {}
    subs = [s for s in stats.get("sub_regions") or [] if isinstance(s, dict)]
    names = {str(s.get("region")): str(s.get("name") or "") for s in subs}
    if stats.get("name"):
        names[code] = str(stats["name"])

    def region_label(c: str) -> str:
        level = text(regions.level_of(c), language)
        return level if c == "" else f"{names.get(c) or level} {c}"

    return _render(
        request,
        response,
        "page.html",
        language,
        user=user,
        region=code,
        path=regions.path_from(principal.region, code),
        region_label=region_label,
        subs=subs,
        as_of=as_of.isoformat(),
        sections=view.sections(figures, language),
        reports=[r.titled(language) for r in catalogue.REPORTS.values()],
    )


@router.post("/login")
async def login(
    request: Request,
    session: SessionDep,
    state: State,
    username: FormText = "",
    password: FormText = "",
    csrf_token: FormText = "",
    lang: LangQuery = "zh",
) -> Response:
    language = _lang(lang)
    if not sessions.csrf_ok(request, csrf_token):
        return _login_form(request, language, "bad_form", 400)
    if not username or not password:
        return _login_form(request, language, "bad_credentials", 400)
    response = RedirectResponse(f"/dashboard?lang={language}", status_code=303)
    try:
        await sessions.sign_in(request, response, session, state, username, password)
    except sessions.SignInRefused as refused:
        answer = _login_form(request, language, refused.reason, 429 if refused.retry_after else 400)
        if refused.retry_after:
            answer.headers["Retry-After"] = refused.retry_after
        return answer
    return response


@router.post("/logout")
async def logout(
    request: Request, session: SessionDep, state: State, csrf_token: FormText = ""
) -> Response:
    if not sessions.csrf_ok(request, csrf_token):
        return _login_form(request, "zh", "bad_form", 400)
    response = RedirectResponse("/dashboard", status_code=303)
    await sessions.sign_out(request, response, session, state)
    return response


@router.get("/reports/{name}.{fmt}")
async def report(
    request: Request,
    session: TransactionSessionDep,  # renewing the sign-in writes
    state: State,
    name: str,
    fmt: str,
    region: Annotated[str | None, Query(max_length=12)] = None,
    as_of: date | None = None,
) -> Response:
    """The same files as /api/v1/reports, for the signed-in browser."""
    response = Response()
    signed = await sessions.current(request, response, session, state)
    if signed is None or not sessions.may_view(signed.principal):
        return RedirectResponse("/dashboard", status_code=303)
    answer = await render_report(
        sources_of(request), signed.principal, signed.token, name, fmt, region, as_of
    )
    for cookie in response.headers.getlist("set-cookie"):
        answer.headers.append("set-cookie", cookie)
    return answer
