"""`python -m cwp_registry`: serve the registry service on REGISTRY_HOST:REGISTRY_PORT."""

from __future__ import annotations

from cwp_common.serve import serve
from cwp_registry.app import create_app
from cwp_registry.config import Settings


def main() -> None:
    settings = Settings()
    serve(create_app(settings), settings.host, settings.port)


if __name__ == "__main__":
    main()
