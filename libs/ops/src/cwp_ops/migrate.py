"""`cwp migrate [SERVICE ...]`: each named service's Alembic migrations to head (all the
services installed here when none is named), in the platform's order."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from alembic import command
from alembic.config import Config

from cwp_ops.services import installed_services

# Where an image keeps each service's alembic.ini and migrations (see the Dockerfile);
# in a checkout they are under services/ of the repository root, the working directory.
APP_DIR_VARIABLE = "CWP_APP_DIR"


def alembic_ini(service: str) -> Path:
    for base in (Path(os.environ.get(APP_DIR_VARIABLE, "/app")), Path.cwd()):
        path = base / "services" / service / "alembic.ini"
        if path.is_file():
            return path
    raise SystemExit(
        f"no migrations found for {service}: run from the repository root, or set "
        f"{APP_DIR_VARIABLE} to the folder holding services/{service}/alembic.ini"
    )


def upgrade(service: str, revision: str = "head") -> None:
    config = Config(str(alembic_ini(service)))
    command.upgrade(config, revision)


def run(args: argparse.Namespace) -> None:
    services = args.services or installed_services()
    unknown = sorted(set(services) - set(installed_services()))
    if unknown:
        raise SystemExit(f"not installed here: {', '.join(unknown)}")
    for service in services:
        print(f"migrating {service} to {args.revision}", flush=True)
        upgrade(service, args.revision)


def add_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("migrate", help="apply database migrations (all services by default)")
    parser.add_argument("services", nargs="*", metavar="SERVICE")
    parser.add_argument("--revision", default="head")
    parser.set_defaults(handler=run)
