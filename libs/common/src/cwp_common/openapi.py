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

import re
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Annotated, Any, TypeVar, get_args

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, BeforeValidator, Field
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

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
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_day(value: Any) -> Any:
    """pydantic also reads a number ("0", 1700000000) as a date, counting seconds from
    1970; a date is documented as YYYY-MM-DD (format: date), so only that is one."""
    if isinstance(value, str) and not _ISO_DAY.fullmatch(value):
        raise ValueError("a date is written YYYY-MM-DD / 日期格式为 YYYY-MM-DD")
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError("a date is written YYYY-MM-DD / 日期格式为 YYYY-MM-DD")
    return value


# A date query parameter (or field) that is what its document says: YYYY-MM-DD only.
Day = Annotated[date, BeforeValidator(_iso_day)]
_ISO_MOMENT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}.*")


def _iso_moment(value: Any) -> Any:
    """As `_iso_day`, for a date and time (format: date-time): "0" is not one."""
    if isinstance(value, str) and not _ISO_MOMENT.fullmatch(value):
        raise ValueError("a time is written YYYY-MM-DDTHH:MM:SS / 时间格式为 ISO 8601")
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError("a time is written YYYY-MM-DDTHH:MM:SS / 时间格式为 ISO 8601")
    return value


# A date-time query parameter that is what its document says: ISO 8601 only.
Moment = Annotated[datetime, BeforeValidator(_iso_moment)]


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
    Decimal of a request body states its range and places too: `_state_decimals`.)"""
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
    places = leaked.get("decimal_places")
    if number is None or string is None or places is None:
        return
    number.setdefault("multipleOf", float(Decimal(10) ** -int(places)))
    low, high = leaked.get("ge", leaked.get("gt")), leaked.get("le", leaked.get("lt"))
    high_open = "lt" in leaked
    if "max_digits" in leaked:  # the most its digits can hold
        cap = Decimal(10) ** (int(leaked["max_digits"]) - int(places)) - Decimal(10) ** -int(places)
        if high is None or Decimal(str(high)) > cap:
            high, high_open = cap, False
    if low is not None and Decimal(str(low)) >= 0 and high is not None:
        string["pattern"] = decimal_pattern(
            Decimal(str(low)), "gt" in leaked, Decimal(str(high)), high_open, int(places)
        )


def _classes(low: str, high: str) -> list[list[str]]:
    """Regular expressions, one character class a digit, for the digit strings of one
    length from `low` to `high` (both that length, `low` <= `high`)."""
    if not low:
        return [[]]
    if low[0] == high[0]:
        return [[low[0], *rest] for rest in _classes(low[1:], high[1:])]
    n = len(low) - 1
    if low[1:] == "0" * n and high[1:] == "9" * n:
        return [[f"[{low[0]}-{high[0]}]", *["[0-9]"] * n]]
    found = [[low[0], *rest] for rest in _classes(low[1:], "9" * n)]
    first, last = int(low[0]) + 1, int(high[0]) - 1
    if first <= last:
        found.append([f"[{first}-{last}]" if first < last else str(first), *["[0-9]"] * n])
    found += [[high[0], *rest] for rest in _classes("0" * n, high[1:])]
    return found


def _spelled(classes: list[str], places: int) -> str:
    """The classes as one regular expression, a point before the last `places` digits."""
    if places:
        classes = [*classes[:-places], "\\.", *classes[-places:]]
    out: list[str] = []
    for cls in classes:  # [0-9][0-9][0-9] -> [0-9]{3}
        if out and cls == "[0-9]" and out[-1].startswith("[0-9]"):
            count = int(out[-1][6:-1]) if out[-1] != "[0-9]" else 1
            out[-1] = f"[0-9]{{{count + 1}}}"
        else:
            out.append(cls)
    return "".join(out)


def decimal_pattern(
    low: Decimal, low_open: bool, high: Decimal, high_open: bool, places: int
) -> str:
    """A pattern of exactly the plain decimal strings ("7", "0.25", "24.00") from `low`
    to `high` (each bound included unless open) with at most `places` decimal places
    (and any zeros before or after, which the validator takes too); 0 <= `low`."""
    alternatives: list[str] = []
    for k in range(places + 1):  # strings with k decimal places: k-digit integers / 10^k
        scale = Decimal(10) ** k
        least = int((low * scale).to_integral_value(ROUND_CEILING))
        if low_open and least == low * scale:
            least += 1
        most = int((high * scale).to_integral_value(ROUND_FLOOR))
        if high_open and most == high * scale:
            most -= 1
        for length in range(k + 1, len(str(max(most, 0))) + 1):
            # One integer digit (maybe 0) before the point, else no leading zero.
            first = 0 if length == k + 1 else 10 ** (length - 1)
            start, end = max(least, first), min(most, 10**length - 1)
            if start > end:
                continue
            for classes in _classes(str(start).zfill(length), str(end).zfill(length)):
                # Zeros past the last place change nothing: "1.000" is 1.00.
                tail = "" if k < places else "0*" if places else "(\\.0+)?"
                alternatives.append(f"{_spelled(classes, k)}{tail}")
    negative_zero = "|-0+(\\.0+)?" if low == 0 and not low_open else ""  # -0 is 0
    return "^(0*(" + "|".join(alternatives) + ")" + negative_zero + ")$"


class _StatedDecimals(GenerateJsonSchema):
    """pydantic's validation schema, with each Decimal stating its range and places:
    its string a pattern of the decimals allowed, its number a multiple of the least
    place. (pydantic leaves `max_digits` and `decimal_places` out, and puts no range on
    the string: "0" passed a schema whose validator wanted more than zero.)"""

    def decimal_schema(self, schema: core_schema.DecimalSchema) -> JsonSchemaValue:
        json_schema = super().decimal_schema(schema)
        places, digits = schema.get("decimal_places"), schema.get("max_digits")
        if self.mode != "validation" or places is None or "anyOf" not in json_schema:
            return json_schema
        low = schema.get("ge", schema.get("gt"))
        high = schema.get("le", schema.get("lt"))
        high_open = "lt" in schema
        if digits is not None:  # the most its digits can hold
            cap = Decimal(10) ** (digits - places) - Decimal(10) ** -places
            if high is None or Decimal(high) > cap:
                high, high_open = cap, False
        number, string = json_schema["anyOf"]
        if schema.get("multiple_of") is None:
            number["multipleOf"] = float(Decimal(10) ** -places)
        if "maximum" not in number and "exclusiveMaximum" not in number and high is not None:
            number["maximum"] = float(high)
        if low is not None and Decimal(low) >= 0 and high is not None:
            string["pattern"] = decimal_pattern(
                Decimal(low), "gt" in schema, Decimal(high), high_open, places
            )
        number[_STATED] = string[_STATED] = True
        return json_schema


_STATED = "x-cwp-stated"


def _models(annotation: Any, depth: int = 0) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    elif depth < 4:
        for arg in get_args(annotation):
            yield from _models(arg, depth + 1)


def _copy_stated(into: Any, stated: Any) -> None:
    """Put `stated`'s Decimal branches in the same places of `into` (the same schema,
    as the document has it)."""
    if isinstance(into, dict) and isinstance(stated, dict):
        branches, ours = into.get("anyOf"), stated.get("anyOf")
        if isinstance(branches, list) and isinstance(ours, list) and len(branches) == len(ours):
            for i, branch in enumerate(ours):
                if isinstance(branch, dict) and branch.pop(_STATED, False):
                    branches[i] = branch
        for key, value in stated.items():
            if key in into and key != "$ref":
                _copy_stated(into[key], value)
    elif isinstance(into, list) and isinstance(stated, list) and len(into) == len(stated):
        for mine, theirs in zip(into, stated, strict=True):
            _copy_stated(mine, theirs)


def _state_decimals(document: dict[str, Any], routes: list[Any]) -> None:
    """Each Decimal of a request body's models states its range and places."""
    schemas = document.get("components", {}).get("schemas", {})
    seen: set[type[BaseModel]] = set()
    for route in routes:
        for param in route.dependant.body_params:
            for model in _models(param.field_info.annotation):
                if model in seen:
                    continue
                seen.add(model)
                stated = model.model_json_schema(
                    ref_template="#/components/schemas/{model}",
                    schema_generator=_StatedDecimals,
                    mode="validation",
                )
                for name, definition in [
                    (model.__name__, stated),
                    *stated.pop("$defs", {}).items(),
                ]:
                    for key in (f"{name}-Input", name):
                        if key in schemas:
                            _copy_stated(schemas[key], definition)
                            break


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
    _state_decimals(document, routes)
    _leaked_constraints(document)
    _decimal_strings(document)
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


def document_problems(app: FastAPI) -> None:
    """Make `app.openapi()` list every route's problem answers."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                openapi_version=app.openapi_version,
                description=app.description,
                routes=app.routes,
            )
            # Included routers stay nested in this FastAPI: walk them as its own
            # document generator does.
            routes = [
                r
                for r in iter_route_contexts(app.routes)
                if isinstance(r.original_route, APIRoute) and r.include_in_schema
            ]
            app.openapi_schema = add_problem_responses(document, routes)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
