"""`python -m cwp_career`: serve the career service on CAREER_HOST:CAREER_PORT."""

from __future__ import annotations

import uvicorn

from cwp_career.app import create_app
from cwp_career.config import Settings


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
