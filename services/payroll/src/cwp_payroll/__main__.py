"""`python -m cwp_payroll`: serve the payroll service on PAYROLL_HOST:PAYROLL_PORT."""

from __future__ import annotations

from cwp_common.serve import serve
from cwp_payroll.app import create_app
from cwp_payroll.config import Settings


def main() -> None:
    settings = Settings()
    serve(create_app(settings), settings.host, settings.port)


if __name__ == "__main__":
    main()
