"""`cwp create-admin`: the first national administrator, in the gateway's database,
before the gateway has ever started (or to name another one). The password is read from
CWP_ADMIN_PASSWORD or asked for at the terminal, never taken from the command line
(which other users of the host can see)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os

from cwp_common.db import make_engine, make_session_factory


async def create(database_url: str, username: str, password: str) -> bool:
    from cwp_gateway.accounts.passwords import Passwords
    from cwp_gateway.accounts.service import ensure_admin

    engine = make_engine(database_url)
    try:
        created = await ensure_admin(make_session_factory(engine), Passwords(), username, password)
        return bool(created)
    finally:
        await engine.dispose()


def password_from_environment_or_terminal() -> str:
    password = os.environ.get("CWP_ADMIN_PASSWORD")
    if password:
        return password
    first = getpass.getpass("password for the administrator: ")
    if getpass.getpass("again: ") != first:
        raise SystemExit("the two passwords differ")
    return first


def run(args: argparse.Namespace) -> None:
    from cwp_gateway.config import MIN_PASSWORD_LENGTH, Settings

    settings = Settings()
    password = password_from_environment_or_terminal()
    if len(password) < MIN_PASSWORD_LENGTH:
        raise SystemExit(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    username = args.username or settings.admin_username
    if asyncio.run(create(settings.database_url, username, password)):
        print(f"created the administrator {username} (national scope, every role)")
    else:
        print(f"{username} exists already; nothing changed")


def add_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "create-admin", help="create the first national administrator (gateway database)"
    )
    parser.add_argument("--username", help="default: CWP_ADMIN_USERNAME (admin)")
    parser.set_defaults(handler=run)
