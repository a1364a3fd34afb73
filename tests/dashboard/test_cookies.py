"""The dashboard's cookies outside dev: Secure as well as HttpOnly and SameSite=Strict
(the served tests run in dev, over plain http, where browsers would drop them)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fastapi import FastAPI, Request, Response

from cwp_common.settings import PlatformSettings
from cwp_gateway.dashboard import sessions


def request_in(env: str) -> Request:
    app = FastAPI()
    app.state.runtime = SimpleNamespace(platform=PlatformSettings(env=env))  # type: ignore[arg-type]
    return Request({"type": "http", "app": app, "headers": [], "method": "GET", "path": "/"})


@pytest.mark.parametrize(("env", "secure"), [("prod", True), ("dev", False)])
def test_cookies_are_secure_everywhere_but_dev(env: str, secure: bool) -> None:
    response = Response()
    token = sessions.csrf_token(request_in(env), response)
    assert len(token) >= 40
    cookie = response.headers["set-cookie"].lower()
    assert ("; secure" in cookie) is secure
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert "path=/dashboard" in cookie
    response = Response()
    sessions.forget(request_in(env), response)
    for cleared in response.headers.getlist("set-cookie"):
        assert ("; secure" in cleared.lower()) is secure
        assert "max-age=0" in cleared.lower()
