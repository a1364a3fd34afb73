"""`python -m cwp_registry`: serve the registry on REGISTRY_HOST:REGISTRY_PORT."""

from __future__ import annotations

import uvicorn

from cwp_registry.app import create_app
from cwp_registry.config import Settings


def main() -> None:
    settings = Settings()
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        loop="uvloop",
        http="httptools",
        access_log=False,  # cwp_common.web logs every request with its request id
        log_config=None,  # keep the logging configured by cwp_common
    )


if __name__ == "__main__":
    main()
