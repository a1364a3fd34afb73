"""The training subcommands of the ops CLI, on the service's own database."""

from __future__ import annotations

import argparse
import io

import httpx
from fastapi import FastAPI
from openpyxl import load_workbook

from cwp_training.config import Settings
from cwp_training.ops import add_commands, report, shortfalls
from tests.training.helpers import register


async def test_report_and_shortfalls_run_on_the_database(
    app: FastAPI, client: httpx.AsyncClient, database_url: str
) -> None:
    await register(app)
    settings = Settings(database_url=database_url)
    data = await report("44", None, settings)
    rows = list(load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))
    assert rows[1][:2] == ("44 (合计 total)", 1)
    assert await shortfalls(400, settings) == 1  # this year's hours, unmet, end within 400 days
    assert await shortfalls(400, settings) == 0


def test_the_commands_are_offered() -> None:
    top = argparse.ArgumentParser()
    add_commands(top.add_subparsers(dest="command"))
    args = top.parse_args(["training-compliance", "--region", "44", "--out", "x.xlsx"])
    assert args.region == "44"
    assert callable(args.handler)
