"""`python -m cwp_career`: serve the career service on CAREER_HOST:CAREER_PORT."""

from __future__ import annotations

from cwp_career.app import create_app
from cwp_career.config import Settings
from cwp_common.serve import serve


def main() -> None:
    settings = Settings()
    serve(create_app(settings), settings.host, settings.port)


if __name__ == "__main__":
    main()
