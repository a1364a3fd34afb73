"""`cwp load-policy KIND FILE ...`: policy data (ladders, pay tables, reference wages...)
published from files through the gateway's API, as an administrator would publish it,
so the owning service checks it, versions it by effective date and acts on it (career
regrades the workers a new ladder covers).

A file holds one JSON object, or a list of them, in the shape the endpoint takes; a
career template file (`{"template": ..., "ladder": {...}}`) is taken by its `ladder`.
Each service's kinds are one line in KINDS; a refused file prints the service's problem
title and detail (which never repeat the file's values) and the command exits 1."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from cwp_ops.demo import sign_in


@dataclass(frozen=True)
class Kind:
    path: str  # the gateway route that publishes one item
    unwrap: str | None = None  # the key holding the item in a wrapped file


KINDS = {
    "ladders": Kind("/api/v1/career/ladders", unwrap="ladder"),
}


def items(kind: Kind, file: Path) -> list[dict[str, Any]]:
    try:
        content = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SystemExit(f"{file}: not a readable JSON file ({exc.__class__.__name__})") from None
    found = content if isinstance(content, list) else [content]
    if kind.unwrap:
        found = [i[kind.unwrap] if isinstance(i, dict) and kind.unwrap in i else i for i in found]
    if not all(isinstance(i, dict) for i in found):
        raise SystemExit(f"{file}: expected a JSON object or a list of objects")
    return found


async def publish(
    client: httpx.AsyncClient, auth: dict[str, str], kind: Kind, files: list[Path]
) -> list[tuple[str, bool, str]]:
    """(file, published, what the service said) for every item of every file."""
    results = []
    for file in files:
        for item in items(kind, file):
            r = await client.post(kind.path, headers=auth, json=item)
            body = r.json() if r.headers.get("content-type", "").endswith("json") else {}
            if r.status_code in (200, 201):
                said = f"published {body.get('id', '')} ({body.get('name', '')})".strip()
                results.append((str(file), True, said))
            else:
                detail = f"{body.get('title', r.status_code)}: {body.get('detail', '')}"
                results.append((str(file), False, f"refused ({r.status_code}) {detail}"))
    return results


async def main_async(args: argparse.Namespace, password: str) -> list[tuple[str, bool, str]]:
    async with httpx.AsyncClient(base_url=args.gateway, timeout=60) as client:
        auth = await sign_in(client, args.username, password)
        return await publish(client, auth, KINDS[args.kind], args.files)


def run(args: argparse.Namespace) -> None:
    password = os.environ.get("CWP_ADMIN_PASSWORD") or getpass.getpass(
        f"password of {args.username}: "
    )
    results = asyncio.run(main_async(args, password))
    for file, _, said in results:
        print(f"{file}: {said}")
    if not all(ok for _, ok, _ in results):
        raise SystemExit(1)


def add_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("load-policy", help="publish policy data from JSON files")
    parser.add_argument("kind", choices=sorted(KINDS))
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    parser.add_argument("--gateway", default="http://127.0.0.1:8000")
    parser.add_argument("--username", default=os.environ.get("CWP_ADMIN_USERNAME", "admin"))
    parser.set_defaults(handler=run)
