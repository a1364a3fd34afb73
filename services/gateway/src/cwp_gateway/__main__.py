"""`python -m cwp_gateway`: serve on GATEWAY_HOST:GATEWAY_PORT."""

from __future__ import annotations

from typing import Any

import uvicorn

from cwp_gateway.app import create_app
from cwp_gateway.config import Settings

# Shared with the tests, so they serve the gateway exactly as production does.
SERVER_OPTIONS: dict[str, Any] = {
    "http": "httptools",
    "access_log": False,  # EdgeMiddleware logs one line per request, with its id
    # The proxy appends the TCP peer to X-Forwarded-For; uvicorn must not replace the
    # peer with a forwarded address first.
    "proxy_headers": False,
}


def main() -> None:
    settings = Settings()
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        loop="uvloop",
        log_config=None,  # keep the logging configured by cwp_common
        **SERVER_OPTIONS,
    )


if __name__ == "__main__":
    main()
