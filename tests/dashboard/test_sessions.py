"""Signing in to the dashboard: the gateway's accounts and sign-in limits, a session
cookie that scripts cannot read and other sites cannot send, CSRF on every form,
renewal from the refresh token, and sign-out."""

from __future__ import annotations

import httpx
import pytest

from tests.dashboard.conftest import PASSWORD, csrf_of, sign_in
from tests.support.tokens import login

pytestmark = pytest.mark.timeout(480)  # the first test waits for the platform to start


def cookie_header(r: httpx.Response, name: str) -> str:
    found = [c for c in r.headers.get_list("set-cookie") if c.startswith(f"{name}=")]
    assert found, f"no {name} cookie set"
    return found[0].lower()


async def test_the_login_form_asks_for_username_and_password(client: httpx.AsyncClient) -> None:
    r = await client.get("/dashboard")
    assert r.status_code == 200
    assert 'name="username"' in r.text
    assert 'name="password"' in r.text
    assert 'lang="zh-CN"' in r.text
    assert "登录" in r.text
    assert "script" not in r.text.lower()  # nothing to run, nothing fetched from elsewhere
    assert "default-src 'none'" in r.headers["content-security-policy"]
    csrf = cookie_header(r, "cwp-dashboard-csrf")
    assert "httponly" in csrf
    assert "samesite=strict" in csrf
    assert "path=/dashboard" in csrf
    english = await client.get("/dashboard", params={"lang": "en"})
    assert 'lang="en"' in english.text
    assert "Sign in" in english.text


async def test_sign_in_sets_a_session_cookie_and_opens_the_users_region(
    client: httpx.AsyncClient,
) -> None:
    r = await sign_in(client, "sh-viewer")
    assert r.status_code == 303
    session = cookie_header(r, "cwp-dashboard")
    assert "httponly" in session
    assert "samesite=strict" in session
    assert "path=/dashboard" in session
    assert "secure" not in session  # dev serves plain http; Secure everywhere else
    page = await client.get("/dashboard")
    assert page.status_code == 200
    assert 'data-region="31"' in page.text
    assert "sh-viewer" in page.text


async def test_a_wrong_password_or_unknown_user_is_refused_alike(
    client: httpx.AsyncClient,
) -> None:
    wrong = await sign_in(client, "sh-viewer", "not-the-password")
    unknown = await sign_in(client, "nobody-here", "not-the-password")
    for r in (wrong, unknown):
        assert r.status_code == 400
        assert "账号或密码不正确" in r.text
        assert not [c for c in r.headers.get_list("set-cookie") if c.startswith("cwp-dashboard=")]
    assert "not-the-password" not in wrong.text


async def test_sign_in_is_throttled_like_the_token_endpoint(client: httpx.AsyncClient) -> None:
    statuses = [
        (await sign_in(client, "gd-viewer", "wrong-password")).status_code for _ in range(5)
    ]
    assert statuses[:3] == [400, 400, 400]
    assert 429 in statuses[3:]
    last = await sign_in(client, "gd-viewer", "wrong-password")
    assert last.status_code == 429
    assert int(last.headers["retry-after"]) >= 1
    assert "请稍后再试" in last.text


async def test_forms_without_the_csrf_token_are_refused(client: httpx.AsyncClient) -> None:
    await client.get("/dashboard")  # the CSRF cookie
    for token in ("", "forged-token"):
        r = await client.post(
            "/dashboard/login",
            data={"username": "sh-viewer", "password": PASSWORD, "csrf_token": token},
        )
        assert r.status_code == 400
        assert "表单已过期" in r.text
        assert not [c for c in r.headers.get_list("set-cookie") if c.startswith("cwp-dashboard=")]
    # The right token, but the browser says the post came from another site.
    form = await client.get("/dashboard")
    r = await client.post(
        "/dashboard/login",
        data={"username": "sh-viewer", "password": PASSWORD, "csrf_token": csrf_of(form.text)},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert r.status_code == 400
    # Sign-out is a form too.
    assert (await sign_in(client, "sh-viewer")).status_code == 303
    r = await client.post("/dashboard/logout", data={"csrf_token": "forged"})
    assert r.status_code == 400
    assert (await client.get("/dashboard")).text.count('name="username"') == 0  # still in


async def test_an_expired_session_is_renewed_from_the_refresh_token(
    client: httpx.AsyncClient,
) -> None:
    assert (await sign_in(client, "sh-viewer")).status_code == 303
    refresh = client.cookies.get("cwp-dashboard-refresh", path="/dashboard")
    assert refresh
    client.cookies.set("cwp-dashboard", "not-a-valid-token", path="/dashboard")
    r = await client.get("/dashboard")
    assert r.status_code == 200
    assert 'data-region="31"' in r.text
    renewed = cookie_header(r, "cwp-dashboard")
    assert "not-a-valid-token" not in renewed
    # The refresh token was spent: presenting the old one again signs nobody in.
    stale = httpx.Cookies()
    stale.set("cwp-dashboard-refresh", refresh, path="/dashboard")
    async with httpx.AsyncClient(base_url=str(client.base_url), cookies=stale) as other:
        assert 'name="username"' in (await other.get("/dashboard")).text


async def test_a_forged_session_without_refresh_is_signed_out(client: httpx.AsyncClient) -> None:
    client.cookies.set("cwp-dashboard", "forged.token.value", path="/dashboard")
    r = await client.get("/dashboard")
    assert r.status_code == 200
    assert 'name="username"' in r.text
    assert "data-metric" not in r.text
    cleared = cookie_header(r, "cwp-dashboard")
    assert "max-age=0" in cleared


async def test_sign_out_ends_the_session(client: httpx.AsyncClient) -> None:
    assert (await sign_in(client, "sh-viewer")).status_code == 303
    refresh = client.cookies.get("cwp-dashboard-refresh", path="/dashboard")
    page = await client.get("/dashboard")
    r = await client.post("/dashboard/logout", data={"csrf_token": csrf_of(page.text)})
    assert r.status_code == 303
    assert 'name="username"' in (await client.get("/dashboard")).text
    # The refresh token cannot bring the session back.
    form = {"grant_type": "refresh_token", "refresh_token": refresh or ""}
    assert (await client.post("/api/v1/auth/token", data=form)).status_code == 400


async def test_an_account_without_a_viewing_role_is_refused(client: httpx.AsyncClient) -> None:
    assert (await sign_in(client, "no-role")).status_code == 303
    r = await client.get("/dashboard")
    assert r.status_code == 403
    assert "没有查看看板的角色" in r.text
    assert "data-metric" not in r.text


async def test_the_api_token_works_and_the_cookie_is_not_a_token_for_the_api(
    client: httpx.AsyncClient,
) -> None:
    """The session cookie is scoped to /dashboard: API calls through the gateway never
    carry it to the services, and the API still wants its bearer token."""
    assert (await sign_in(client, "sh-viewer")).status_code == 303
    assert (await client.get("/api/v1/registry/workers")).status_code == 401
    auth = await login(client, "sh-viewer", PASSWORD)
    assert (await client.get("/api/v1/registry/workers", headers=auth)).status_code == 200
