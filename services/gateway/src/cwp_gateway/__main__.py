"""`python -m cwp_gateway`: serve the gateway on GATEWAY_HOST:GATEWAY_PORT, and its
metrics on GATEWAY_INTERNAL_HOST:GATEWAY_INTERNAL_PORT (see internal.py)."""

from __future__ import annotations

from cwp_gateway.app import create_app
from cwp_gateway.config import Settings
from cwp_gateway.internal import serve_gateway


def main() -> None:
    settings = Settings()
    serve_gateway(
        create_app(settings),
        settings.host,
        settings.port,
        settings.internal_host,
        settings.internal_port,
    )


if __name__ == "__main__":
    main()
