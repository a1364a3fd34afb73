"""The gateway's /metrics is served on its internal listener only; the public side answers
404 for it while its API documentation stays public."""

from __future__ import annotations

import httpx
import pytest

from cwp_common.settings import PlatformSettings
from cwp_gateway.app import create_app
from cwp_gateway.config import Settings
from cwp_gateway.internal import InternalListener
from cwp_gateway.startup import UnsafeConfiguration
from tests.support.apps import running


async def test_metrics_are_internal_and_the_documentation_public(
    settings: Settings, platform: PlatformSettings
) -> None:
    app = create_app(settings, platform, create_schema=True)
    async with running(app) as public:
        internal = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=InternalListener(app)), base_url="http://internal"
        )
        async with internal:
            hidden = await public.get("/metrics")
            hidden_variant = await public.get("/metrics/", follow_redirects=True)
            docs = await public.get("/docs")
            spec = await public.get("/openapi.json")
            metrics = await internal.get("/metrics")
            live = await internal.get("/livez")
            no_api = await internal.get("/api/v1/auth/users")
            no_proxy = await internal.get("/api/v1/registry/workers")

    assert hidden.status_code == 404
    assert hidden.headers["content-type"] == "application/problem+json"
    assert "http_requests_total" not in hidden.text
    assert hidden_variant.status_code == 404
    assert docs.status_code == 200
    assert spec.status_code == 200
    assert "/metrics" not in spec.json()["paths"]
    assert metrics.status_code == 200
    assert 'service="gateway"' in metrics.text
    assert live.status_code == 200
    assert no_api.status_code == 404
    assert no_proxy.status_code == 404


async def test_the_gateway_refuses_to_sign_tokens_the_services_would_refuse(
    settings: Settings, platform: PlatformSettings
) -> None:
    too_long = settings.model_copy(update={"access_token_ttl_seconds": 7200})

    with pytest.raises(UnsafeConfiguration, match="CWP_TOKEN_MAX_LIFETIME_SECONDS"):
        async with running(create_app(too_long, platform, create_schema=True)):
            pass
