"""The OpenAPI document tells the truth about errors: every operation lists the
problem+json answers (RFC 9457) it really gives, worked out from the route itself, so
every service, new ones included, documents them without writing them by hand.

What a route can answer, and why:
- 400 malformed JSON, 413 body too large: it takes a JSON body.
- 401, 403: it checks a token (a role dependency from cwp_common.auth).
- 404: it has path parameters (a record not found, or outside the caller's region), or
  its body or query names a record by UUID (`worker_id`: that record not found).
- 422: it has any parameter or body to validate (FastAPI's own 422 schema is replaced).
- 503 with Retry-After: it uses a database session (busy, restarting, no free connection).
- 500: any route, on a bug.
- whatever a dependency says it may answer: `answers(429)(dependency)` (a per-account
  limit), so routes sharing it document it without repeating it.
Statuses a route documents itself keep their description; their media type becomes
problem+json (an error answer is never plain JSON here).
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from decimal import Decimal
from typing import Any, TypeVar, get_args

import orjson
from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, Field

from cwp_common.problems import PROBLEM_MEDIA_TYPE

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
DESCRIPTIONS = {
    400: "Malformed JSON",
    401: "No valid access token",
    403: "The token lacks a role this needs, or the target is outside the caller's region",
    404: "Not found (or outside the caller's region)",
    413: "Request body too large",
    422: "Invalid input: `errors` names each field",
    429: "Too many requests: wait Retry-After seconds",
    500: "Unexpected error",
    502: "The service behind the gateway gave no valid answer",
    503: "Temporarily unavailable: retry after Retry-After seconds",
    504: "The service behind the gateway did not answer in time",
}


class FieldProblem(BaseModel):
    field: str = Field(examples=["hire_date"])
    message: str = Field(examples=["Not a valid date / 日期无效"])
    code: str | None = Field(default=None, examples=["date_from_datetime_parsing"])


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(examples=["urn:cwp:problem:not-found"])
    title: str = Field(examples=["Not found"])
    status: int = Field(examples=[404])
    detail: str | None = Field(default=None, examples=["Worker … not found / 未找到"])
    instance: str | None = Field(default=None, examples=["/api/v1/registry/workers/0193…"])
    errors: list[FieldProblem] | None = None


ANSWERS = "__cwp_problem_statuses__"
F = TypeVar("F", bound=Callable[..., Any])


def answers(*statuses: int) -> Callable[[F], F]:
    """Mark a dependency as one that may answer these problem statuses."""

    def mark(call: F) -> F:
        setattr(call, ANSWERS, frozenset(statuses) | getattr(call, ANSWERS, frozenset()))
        return call

    return mark


def _calls(dependant: Dependant) -> list[Any]:
    found = [dependant.call]
    for sub in dependant.dependencies:
        found += _calls(sub)
    return found


def _is_token_check(call: Any) -> bool:
    name = getattr(call, "__qualname__", "")
    return name in ("current_principal", "worker_principal") or name.startswith("require_roles.")


def _is_session(call: Any) -> bool:
    return getattr(call, "__module__", "") == "cwp_common.service" and (
        getattr(call, "__name__", "") == "session"
    )


def _names_a_record(annotation: Any, depth: int = 0) -> bool:
    """Whether a parameter or body type holds a UUID (a reference to a record)."""
    if annotation is uuid.UUID:
        return True
    if depth > 4:
        return False
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return any(
            _names_a_record(f.annotation, depth + 1) for f in annotation.model_fields.values()
        )
    return any(_names_a_record(arg, depth + 1) for arg in get_args(annotation))


def problem_statuses(route: Any) -> set[int]:
    """`route`: an APIRoute, or FastAPI's view of one inside an included router."""
    dependant = route.dependant
    calls = _calls(dependant)
    statuses = {500}
    has_body = dependant.body_params != []
    if has_body:
        statuses |= {400, 413}
    if any(_is_token_check(c) for c in calls):
        statuses |= {401, 403}
    if dependant.path_params or any(
        _names_a_record(p.field_info.annotation)
        for p in [*dependant.body_params, *dependant.query_params]
    ):
        statuses.add(404)
    if has_body or dependant.path_params or dependant.query_params or dependant.header_params:
        statuses.add(422)
    if any(_is_session(c) for c in calls):
        statuses.add(503)
    for call in calls:
        statuses |= getattr(call, ANSWERS, frozenset())
    return statuses


BEARER = "bearer"
BEARER_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "bearerFormat": "JWT",
    "description": "An access token from the gateway's POST /api/v1/auth/token",
}


def _decimal_strings(node: Any) -> None:
    """pydantic documents a Decimal as a number or ANY string; the string must be a
    decimal number (the validator refuses "" and "abc"), so its schema says so. (A
    Decimal whose range matters states it exactly: cwp_common.formats.DecimalRange.)"""
    if isinstance(node, dict):
        branches = node.get("anyOf")
        if isinstance(branches, list):
            numbers = [b for b in branches if isinstance(b, dict) and b.get("type") == "number"]
            for branch in branches:
                if numbers and branch == {"type": "string"}:
                    low = numbers[0].get("minimum", numbers[0].get("exclusiveMinimum"))
                    sign = "" if low is not None and low >= 0 else "-?"
                    branch["pattern"] = f"^{sign}[0-9]+(\\.[0-9]+)?$"
        for value in node.values():
            _decimal_strings(value)
    elif isinstance(node, list):
        for value in node:
            _decimal_strings(value)


_BOUNDS = {"ge": "minimum", "gt": "exclusiveMinimum", "le": "maximum", "lt": "exclusiveMaximum"}
_LENGTHS = {"min_length": "minLength", "max_length": "maxLength"}
_LEAKED = (*_BOUNDS, *_LENGTHS, "multiple_of", "decimal_places", "max_digits")


def _leaked_constraints(node: Any) -> None:
    """pydantic writes the constraints of a type whose BeforeValidator comes first
    (`Annotated[Decimal, BeforeValidator(f), Field(ge=0)]`) under their Python names
    ("ge", "decimal_places"), which no JSON Schema reader knows: the range was not in the
    document at all. They are stated as JSON Schema has them."""
    if isinstance(node, list):
        for value in node:
            _leaked_constraints(value)
        return
    if not isinstance(node, dict):
        return
    for value in node.values():
        _leaked_constraints(value)
    leaked = {key: node.pop(key) for key in _LEAKED if key in node}
    if not leaked:
        return
    branches = [b for b in node.get("anyOf", []) if isinstance(b, dict)]
    number = next((b for b in branches if b.get("type") == "number"), None)
    string = next((b for b in branches if b.get("type") == "string"), None)
    target = number if number is not None else node
    for key, name in _BOUNDS.items():
        if key in leaked:
            target[name] = float(leaked[key])
    if "multiple_of" in leaked:
        target["multipleOf"] = float(leaked["multiple_of"])
    for key, name in _LENGTHS.items():
        if key in leaked:
            (string if string is not None else node)[name] = int(leaked[key])
    if "decimal_places" in leaked and number is not None:
        number.setdefault("multipleOf", float(Decimal(10) ** -int(leaked["decimal_places"])))


def _closed_key_patterns(node: Any) -> None:
    """pydantic documents a dict whose keys have a pattern (`dict[Slug, Criterion]`) as
    `patternProperties` alone, which lets any other key through with any value; the
    validator refuses a key outside the pattern, so the schema says so too."""
    if isinstance(node, list):
        for value in node:
            _closed_key_patterns(value)
        return
    if not isinstance(node, dict):
        return
    for value in node.values():
        _closed_key_patterns(value)
    if (
        isinstance(node.get("patternProperties"), dict)
        and "properties" not in node
        and "additionalProperties" not in node
    ):
        node["additionalProperties"] = False


def problem_answer(description: str) -> dict[str, Any]:
    """An OpenAPI response: problem+json with this description."""
    return {"description": description, "content": {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}}}


def add_problem_responses(document: dict[str, Any], routes: list[Any]) -> dict[str, Any]:
    """`document` with each operation's problem answers (changed in place, returned)."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas["Problem"].pop("$defs", None)
    schemas["FieldProblem"] = FieldProblem.model_json_schema()
    schemas["Problem"]["properties"]["errors"] = {
        "anyOf": [
            {"type": "array", "items": {"$ref": "#/components/schemas/FieldProblem"}},
            {"type": "null"},
        ]
    }
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    document["components"].setdefault("securitySchemes", {})[BEARER] = BEARER_SCHEME
    _leaked_constraints(document)
    _decimal_strings(document)
    _closed_key_patterns(document)
    for route in routes:
        item = document.get("paths", {}).get(route.path_format)
        if item is None:
            continue
        for method in route.methods:
            operation = item.get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            statuses = problem_statuses(route)
            if 401 in statuses:  # it checks a token: say which, so clients send it
                operation["security"] = [{BEARER: []}]
            for status in sorted(statuses):
                key = str(status)
                own = responses.get(key, {}).get("description")
                if own in (None, "", "Validation Error"):  # FastAPI's stock 422 text
                    own = DESCRIPTIONS[status]
                responses[key] = problem_answer(own)
            # Statuses the route documented itself (409, 429, ...) are problems too.
            for key, answer in responses.items():
                if key[:1] in ("4", "5") and PROBLEM_MEDIA_TYPE not in answer.get("content", {}):
                    responses[key] = problem_answer(answer.get("description", ""))
    return document


# Documents built in this process, by what they are built from (see document_problems).
# A process that builds many apps of one service (a test suite builds one per test)
# builds each document once, and each app gets its own copy. Bounded: apps built of
# routers made on the fly would otherwise pile up here.
_BUILT: OrderedDict[Hashable, tuple[object, bytes]] = OrderedDict()
_BUILT_MAX = 16


def _build(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(
        title=app.title,
        version=app.version,
        openapi_version=app.openapi_version,
        description=app.description,
        routes=app.routes,
    )
    # Included routers stay nested in this FastAPI: walk them as its own document
    # generator does.
    routes = [
        r
        for r in iter_route_contexts(app.routes)
        if isinstance(r.original_route, APIRoute) and r.include_in_schema
    ]
    return add_problem_responses(document, routes)


def _copy_built(app: FastAPI, key: Hashable, made_of: Sequence[APIRouter]) -> dict[str, Any]:
    """A copy of the document built for `key`, built now if it was not yet."""
    built = _BUILT.get(key)
    if built is None:
        # The routers are kept with it, so that no other object takes one of their ids.
        built = _BUILT[key] = (tuple(made_of), orjson.dumps(_build(app)))
        if len(_BUILT) > _BUILT_MAX:
            _BUILT.popitem(last=False)
    loaded: dict[str, Any] = orjson.loads(built[1])
    return loaded


def document_problems(app: FastAPI, made_of: Sequence[APIRouter] = ()) -> None:
    """Make `app.openapi()` list every route's problem answers.

    `made_of`: the routers that are the app's whole documented API, each included as it
    is (create_service_app's apps). The document then depends only on them and the app's
    title and version, and is built once per process for them."""
    # Routers are module-level objects: the same ones in every app of a service.
    key = (
        (app.title, app.version, tuple((id(r), len(r.routes)) for r in made_of))
        if made_of
        else None
    )

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _build(app) if key is None else _copy_built(app, key, made_of)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
