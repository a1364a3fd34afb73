"""Merging the services' OpenAPI documents into one: pure data in, data out.

- Paths: each service contributes only the paths the gateway forwards to it
  (/api/v1/<service>/...); the gateway contributes its own /api/v1 routes.
- Component names: a schema that every document defining it defines identically (and
  whose references are themselves shared, such as Problem) keeps its name; every other
  schema is renamed `<service>_<Name>`, so two services' `WorkerOut` never clash, and a
  name does not change when another service happens to add the same one.
- Security schemes, tags and operation ids are united; a clash of operation ids is
  resolved by the same prefix.
- What the gateway itself may answer on a forwarded call (429 past a rate limit, 502 a
  garbled answer, 503 an open circuit breaker, 504 no answer in time) is added to every
  forwarded operation.
- `info.x-cwp-services` says which services the document holds and which are missing
  (down when the gateway last asked), and the description repeats it for readers.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from cwp_common.openapi import DESCRIPTIONS, problem_answer

REF_PREFIX = "#/components/schemas/"
PUBLIC_PREFIX = "/api/v1/"
TITLE = "Community Workforce Platform API"
PROXY_STATUSES = (429, 502, 503, 504)  # what the proxy answers in the service's place


def public_paths(service: str, document: Mapping[str, Any]) -> dict[str, Any]:
    """The paths of `service`'s document that the gateway exposes."""
    own = f"{PUBLIC_PREFIX}{service}/"
    paths: dict[str, Any] = document.get("paths", {})
    if service == "gateway":
        return {p: item for p, item in paths.items() if p.startswith(PUBLIC_PREFIX)}
    return {p: item for p, item in paths.items() if p.startswith(own)}


def _refs(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(REF_PREFIX):
            found.add(ref[len(REF_PREFIX) :])
        for value in node.values():
            found |= _refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= _refs(value)
    return found


def _rename_refs(node: Any, names: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        out = {k: _rename_refs(v, names) for k, v in node.items()}
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(REF_PREFIX):
            out["$ref"] = REF_PREFIX + names[ref[len(REF_PREFIX) :]]
        return out
    if isinstance(node, list):
        return [_rename_refs(v, names) for v in node]
    return node


def shared_names(documents: Mapping[str, Mapping[str, Any]]) -> set[str]:
    """Schema names defined identically by every document that defines them, whose
    references are all shared too (a fixed point: `Page_WorkerOut_` is the same text in
    two services but refers to two different `WorkerOut`s)."""
    bodies: dict[str, set[str]] = {}
    schemas: dict[str, Any] = {}
    for document in documents.values():
        for name, schema in document.get("components", {}).get("schemas", {}).items():
            bodies.setdefault(name, set()).add(json.dumps(schema, sort_keys=True))
            schemas[name] = schema
    shared = {name for name, texts in bodies.items() if len(texts) == 1}
    changed = True
    while changed:
        changed = False
        for name in list(shared):
            if not _refs(schemas[name]) <= shared:
                shared.discard(name)
                changed = True
    return shared


def merge(
    documents: Mapping[str, Mapping[str, Any]],
    missing: Mapping[str, str],
    version: str = "1.0.0",
) -> dict[str, Any]:
    """One document from `documents` (service name -> its OpenAPI document, the gateway's
    own under "gateway"); `missing` names the services whose document could not be had,
    with the reason."""
    shared = shared_names(documents)
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    security: dict[str, Any] = {}
    tags: dict[str, dict[str, Any]] = {}
    operation_ids: set[str] = set()
    for service in sorted(documents):
        document = documents[service]
        components = document.get("components", {})
        own = components.get("schemas", {})
        names = {n: n if n in shared else f"{service}_{n}" for n in own}
        for name, schema in own.items():
            schemas[names[name]] = _rename_refs(copy.deepcopy(schema), names)
        security.update(components.get("securitySchemes", {}))
        for tag in document.get("tags", []):
            tags.setdefault(tag["name"], tag)
        for path, item in public_paths(service, document).items():
            item = _rename_refs(copy.deepcopy(item), names)
            for operation in item.values():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                op_id = operation.get("operationId")
                if op_id is not None:
                    if op_id in operation_ids:
                        op_id = operation["operationId"] = f"{service}_{op_id}"
                    operation_ids.add(op_id)
                operation.setdefault("tags", [service])
                if service != "gateway":
                    responses = operation["responses"]
                    for status in PROXY_STATUSES:
                        responses.setdefault(str(status), problem_answer(DESCRIPTIONS[status]))
                for tag in operation["tags"]:
                    tags.setdefault(tag, {"name": tag})
            paths[path] = item
    present = sorted(documents)
    lines = [
        "The public API of every service, as the gateway serves it under /api/v1/. "
        "Sign in at /api/v1/auth/token and send the access token as `Authorization: "
        "Bearer <token>`. Errors are problem+json (RFC 9457).",
        "",
        f"Services in this document: {', '.join(present)}.",
    ]
    if missing:
        lines.append(
            "**Missing** (their routes are left out until they answer): "
            + "; ".join(f"{name} ({why})" for name, why in sorted(missing.items()))
            + "."
        )
    merged: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": version,
            "description": "\n".join(lines),
            "x-cwp-services": {"present": present, "missing": dict(sorted(missing.items()))},
        },
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": dict(sorted(schemas.items()))},
        "tags": [tags[name] for name in sorted(tags)],
    }
    if security:
        merged["components"]["securitySchemes"] = security
    return merged
