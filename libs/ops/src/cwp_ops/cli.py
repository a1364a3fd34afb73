"""`cwp`: one entry point for the platform's operations, one subcommand per task.

A service adds its own subcommands in `cwp_<service>/ops.py` with
`def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None`;
they appear when the service is installed here.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
from collections.abc import Sequence

from cwp_ops import admin, dead_letters, demo, migrate, policy, rebuild, streams
from cwp_ops.services import PLATFORM


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="cwp", description="Operations of the Community Workforce Platform."
    )
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (migrate, admin, streams, dead_letters, rebuild, policy, demo):
        module.add_command(sub)
    for service in PLATFORM:
        name = f"cwp_{service}.ops"
        if importlib.util.find_spec(f"cwp_{service}") and importlib.util.find_spec(name):
            importlib.import_module(name).add_commands(sub)
    return top


def main(argv: Sequence[str] | None = None) -> None:
    args = parser().parse_args(argv)
    args.handler(args)


if __name__ == "__main__":
    main()
