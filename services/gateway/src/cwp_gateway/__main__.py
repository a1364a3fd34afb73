"""`python -m cwp_gateway`: serve the gateway service on GATEWAY_HOST:GATEWAY_PORT."""

from __future__ import annotations

from cwp_common.serve import serve
from cwp_gateway.app import create_app
from cwp_gateway.config import Settings


def main() -> None:
    settings = Settings()
    serve(create_app(settings), settings.host, settings.port)


if __name__ == "__main__":
    main()
