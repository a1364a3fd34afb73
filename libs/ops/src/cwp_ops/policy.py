"""`cwp load-policy KIND FILE ...`: policy data (career ladders, payroll pay standards,
insurance and housing fund rates, benchmark floors, reference wages) published from JSON
files through the gateway's API, as an administrator would publish it, so the owning
service checks it, versions it by effective date and acts on it (career regrades the
workers a new ladder covers).

A file holds one JSON object, or a list of them, in the shape the endpoint takes; a
career template file (`{"template": ..., "ladder": {...}}`) is taken by its `ladder`.

All or nothing: every item of every file is checked first, and nothing is published
unless all pass. The check is the service's own: its request model (when the service's
package is installed beside `cwp`, as in the workspace and the service's image) and its
uniqueness key, asked of its API (what exists already, and repeats inside the files).
Errors name the file, the item (1-based) and the field, and never repeat the file's
values. Each service's kinds are one entry in KINDS."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import importlib
import importlib.util
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel, ValidationError

from cwp_ops.demo import sign_in

Key = tuple[str, ...]


@dataclass(frozen=True)
class Kind:
    path: str  # the gateway route that publishes one item (and lists them)
    model: str  # "module:Class", the service's request model
    key: tuple[str, ...]  # the service's uniqueness key, as request fields
    filters: tuple[str, ...]  # of the key, those the list route filters by
    fixed: dict[str, str] | None = None  # constant filters of the list route
    unwrap: str | None = None  # the key holding the item in a wrapped file

    def key_of(self, item: dict[str, Any]) -> Key:
        return tuple(str(item.get(f)) for f in self.key)

    def validator(self) -> Callable[[dict[str, Any]], BaseModel] | None:
        module, _, name = self.model.partition(":")
        if importlib.util.find_spec(module.split(".")[0]) is None:
            return None  # the service is not installed here: its API checks at publishing
        model: type[BaseModel] = getattr(importlib.import_module(module), name)
        return model.model_validate


KINDS = {
    "ladders": Kind(
        "/api/v1/career/ladders",
        "cwp_career.ladders.schemas:LadderBody",
        key=("jurisdiction", "effective_date"),
        filters=("jurisdiction",),
        unwrap="ladder",
    ),
    "pay-standards": Kind(
        "/api/v1/payroll/policies/pay-standards",
        "cwp_payroll.policy.schemas:PayStandardIn",
        key=("jurisdiction", "effective_date"),
        filters=("jurisdiction",),
        fixed={"kind": "standard"},
    ),
    "insurance": Kind(
        "/api/v1/payroll/policies/insurance",
        "cwp_payroll.policy.schemas:InsuranceIn",
        key=("jurisdiction", "effective_date"),
        filters=("jurisdiction",),
        fixed={"kind": "insurance"},
    ),
    "benchmarks": Kind(
        "/api/v1/payroll/policies/benchmarks",
        "cwp_payroll.policy.schemas:BenchmarkIn",
        key=("jurisdiction", "effective_date"),
        filters=("jurisdiction",),
        fixed={"kind": "benchmark"},
    ),
    "reference-wages": Kind(
        "/api/v1/payroll/reference-wages",
        "cwp_payroll.policy.schemas:ReferenceWageIn",
        key=("division", "year", "kind"),
        filters=("division", "year"),
    ),
}


def list_path(kind: Kind) -> str:
    """The route that lists what a kind's route publishes."""
    if kind.fixed:  # the payroll policy documents share one list route
        return kind.path.rsplit("/", 1)[0]
    return kind.path


@dataclass
class Item:
    file: Path
    row: int  # 1-based, in its file
    body: dict[str, Any]

    @property
    def where(self) -> str:
        return f"{self.file}: item {self.row}"


class Refused(Exception):
    """The files do not pass the check; every line says what and where."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def read(kind: Kind, files: list[Path]) -> tuple[list[Item], list[str]]:
    """Every item of every file, and what is wrong with the files' form."""
    found: list[Item] = []
    errors: list[str] = []
    for file in files:
        try:
            content = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            errors.append(f"{file}: cannot be read ({exc.__class__.__name__})")
            continue
        except json.JSONDecodeError as exc:
            errors.append(f"{file}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})")
            continue
        listed = content if isinstance(content, list) else [content]
        if not listed:
            errors.append(f"{file}: holds no item")
        for row, raw in enumerate(listed, start=1):
            if kind.unwrap and isinstance(raw, dict) and kind.unwrap in raw:
                raw = raw[kind.unwrap]
            if not isinstance(raw, dict):
                errors.append(f"{file}: item {row}: expected a JSON object")
                continue
            found.append(Item(file, row, raw))
    return found, errors


def invalid(item: Item, exc: ValidationError) -> list[str]:
    """The model's refusals by field, without the refused values."""
    lines = []
    for error in exc.errors(include_input=False, include_url=False):
        field = ".".join(str(p) for p in error["loc"]) or "(item)"
        lines.append(f"{item.where}: {field}: {error['msg']}")
    return lines


async def existing(
    client: httpx.AsyncClient, auth: dict[str, str], kind: Kind, item: Item
) -> set[Key]:
    """The keys the service already holds among those sharing this item's filters."""
    params: dict[str, Any] = {f: item.body.get(f) for f in kind.filters} | (kind.fixed or {})
    params["limit"] = 200
    keys: set[Key] = set()
    while True:
        r = await client.get(list_path(kind), headers=auth, params=params)
        if r.status_code != 200:
            raise Refused([f"{item.where}: the service refused the look-up ({said(r)})"])
        page = r.json()
        keys |= {kind.key_of(i) for i in page["items"]}
        if not page.get("next_cursor"):
            return keys
        params["cursor"] = page["next_cursor"]


def said(r: httpx.Response) -> str:
    body = r.json() if r.headers.get("content-type", "").endswith("json") else {}
    return f"{r.status_code} {body.get('title', '')}: {body.get('detail', '')}".strip()


async def check(
    client: httpx.AsyncClient, auth: dict[str, str], kind: Kind, files: list[Path]
) -> list[Item]:
    """Every item, or Refused with every problem found; nothing is written."""
    found, errors = read(kind, files)
    validate = kind.validator()
    seen: dict[Key, Item] = {}
    held: dict[tuple[str, ...], set[Key]] = {}
    for item in found:
        if validate is not None:
            try:
                validate(item.body)
            except ValidationError as exc:
                errors.extend(invalid(item, exc))
                continue
        key = kind.key_of(item.body)
        fields = ", ".join(kind.key)
        if key in seen:
            errors.append(f"{item.where}: repeats {seen[key].where} ({fields})")
            continue
        seen[key] = item
        filters = tuple(str(item.body.get(f)) for f in kind.filters)
        if filters not in held:
            held[filters] = await existing(client, auth, kind, item)
        if key in held[filters]:
            errors.append(f"{item.where}: the service holds one already ({fields})")
    if errors:
        raise Refused(errors)
    return found


async def publish(
    client: httpx.AsyncClient, auth: dict[str, str], kind: Kind, files: list[Path]
) -> list[tuple[str, bool, str]]:
    """(file: item, published, what the service said) for every item; Refused when the
    check fails, before anything is written."""
    items = await check(client, auth, kind, files)
    results = []
    for item in items:
        r = await client.post(kind.path, headers=auth, json=item.body)
        if r.status_code in (200, 201):
            body = r.json()
            label = body.get("name") or ", ".join(str(body.get(f, "")) for f in kind.key)
            results.append((item.where, True, f"published {body.get('id', '')} ({label})"))
        else:  # only when the service changed between the check and now
            results.append((item.where, False, f"refused ({said(r)})"))
    return results


async def main_async(args: argparse.Namespace, password: str) -> list[tuple[str, bool, str]]:
    async with httpx.AsyncClient(base_url=args.gateway, timeout=60) as client:
        auth = await sign_in(client, args.username, password)
        return await publish(client, auth, KINDS[args.kind], args.files)


def run(args: argparse.Namespace) -> None:
    password = os.environ.get("CWP_ADMIN_PASSWORD") or getpass.getpass(
        f"password of {args.username}: "
    )
    try:
        results = asyncio.run(main_async(args, password))
    except Refused as exc:
        for line in exc.lines:
            print(line)
        raise SystemExit(f"nothing published: {len(exc.lines)} problem(s)") from None
    for where, _, what in results:
        print(f"{where}: {what}")
    if not all(ok for _, ok, _ in results):
        raise SystemExit(1)


def add_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "load-policy",
        help="publish policy data from JSON files (all or nothing)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("kind", choices=sorted(KINDS))
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    parser.add_argument("--gateway", default="http://127.0.0.1:8000")
    parser.add_argument("--username", default=os.environ.get("CWP_ADMIN_USERNAME", "admin"))
    parser.set_defaults(handler=run)
