"""Compose files as Compose reads them: YAML with merge keys, then `${...}` interpolation
from the environment (`${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`,
`${VAR?error}`, `$$` for a dollar)."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

_VARIABLE = re.compile(r"\$(?:\$|\{(\w+)(?:(:?[-?])([^}]*))?\}|(\w+))")


class MissingVariable(ValueError):
    pass


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict)
    return data


def interpolate(value: Any, env: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1) or match.group(4)
        op, arg = match.group(2), match.group(3) or ""
        present = name in env
        nonempty = bool(env.get(name))
        if op in (":?", "?") and not (nonempty if op == ":?" else present):
            raise MissingVariable(f"{name}: {arg or 'required'}")
        if (op == ":-" and not nonempty) or (op == "-" and not present):
            return arg
        return env.get(name, "")

    return _VARIABLE.sub(one, value)


def variables(value: Any) -> list[tuple[str, str | None]]:
    """Every (variable, operator) that a file uses."""
    if isinstance(value, dict):
        return [v for item in value.values() for v in variables(item)]
    if isinstance(value, list):
        return [v for item in value for v in variables(item)]
    if not isinstance(value, str):
        return []
    return [
        (m.group(1) or m.group(4), m.group(2))
        for m in _VARIABLE.finditer(value)
        if m.group(0) != "$$"
    ]


def compose_schema() -> dict[str, Any]:
    """The Compose specification's JSON schema, as check-jsonschema ships it."""
    text = (
        resources.files("check_jsonschema.builtin_schemas.vendor")
        .joinpath("compose-spec.json")
        .read_text()
    )
    schema = json.loads(text)
    assert isinstance(schema, dict)
    return schema
