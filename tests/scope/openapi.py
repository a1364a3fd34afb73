"""Calling every operation of a service's OpenAPI document as another province would.

The document is the list of routes: an operation added later is called by the same loop,
with no test written for it. Path parameters are filled with the ids of real records of
the home region, request bodies are generated from the operation's schema with the home
region's codes and ids wherever a field names a region, a community, a unit or a worker,
and query parameters that name a region are set to the home region too.

`Foreign.check` asserts what the promise says: never a server error, never a 2xx write,
never an answer that names a home record the request did not name itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx

# The roles a token of another province is tried with (each with and without pii).
ROLE_SETS = [[role, *extra] for role in ("admin", "operator", "viewer") for extra in ([], ["pii"])]
# Statuses a foreign caller may get: refused, not found, not allowed, invalid input,
# rate-limited. A 409 would reveal that the record exists.
REFUSALS = {400, 401, 403, 404, 405, 422, 429}
WRITES = {"post", "put", "patch", "delete"}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # with {placeholders}
    spec: Mapping[str, Any]

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"


def operations(doc: Mapping[str, Any]) -> Iterator[Operation]:
    for path, item in doc["paths"].items():
        for method, spec in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield Operation(method, path, spec)


@dataclass
class Home:
    """What the home region holds, to aim the calls at and to recognise in answers."""

    region: str  # "31"
    community: str  # a 12-digit community code in the region
    # Values by the name of a path parameter, query parameter or body field that
    # designates them; a list tries each.
    values: dict[str, list[Any]]
    # Strings that identify a home record (ids, names, ID numbers): an answer to a
    # foreign caller that contains one the request did not contain leaks it.
    markers: set[str] = field(default_factory=set)
    # Whole bodies for operations a generated body cannot reach (label -> body).
    bodies: dict[str, Any] = field(default_factory=dict)
    # POST operations that only compute an answer from the body (no record, no region,
    # nothing written), such as payroll's tax previews: their 2xx is not a write.
    computations: set[str] = field(default_factory=set)
    # Operations open to anyone by design (an applicant's own path to an announced
    # recruitment round): they answer any caller alike, so what they name is public, and
    # an application they record is a write anyone may make.
    public: set[str] = field(default_factory=set)

    def code_like(self, pattern: str) -> str | None:
        """The home community code, cut to whatever length the pattern takes."""
        for n in (12, 9, 6, 4, 2, 0):
            if re.fullmatch(pattern, self.community[:n]):
                return self.community[:n]
        return None


class Generator:
    """A body for a JSON schema of the document, aimed at the home region."""

    def __init__(self, doc: Mapping[str, Any], home: Home) -> None:
        self.schemas = doc.get("components", {}).get("schemas", {})
        self.home = home

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        while "$ref" in schema:
            schema = self.schemas[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def value(self, schema: Mapping[str, Any], name: str = "") -> Any:
        schema = self.resolve(schema)
        if name in self.home.values:
            return self.home.values[name][0]
        for key in ("anyOf", "oneOf"):
            if key in schema:
                options = [s for s in schema[key] if self.resolve(s).get("type") != "null"]
                return self.value(options[0], name) if options else None
        if "allOf" in schema:
            return self.value(schema["allOf"][0], name)
        if "enum" in schema:
            return schema["enum"][0]
        if "const" in schema:
            return schema["const"]
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            required = set(schema.get("required", []))
            props = schema.get("properties", {})
            return {
                key: self.value(sub, key)
                for key, sub in props.items()
                if key in required or key in self.home.values
            }
        if kind == "array":
            return [self.value(schema.get("items", {}), name)]
        if kind == "integer":
            return max(schema.get("minimum", 1), 1) if "year" not in name else date.today().year - 1
        if kind == "number":
            return 80
        if kind == "boolean":
            return False
        return self.string(schema)

    def string(self, schema: Mapping[str, Any]) -> str:
        fmt = schema.get("format")
        if fmt == "uuid":
            return "00000000-0000-7000-8000-000000000000"
        if fmt == "date":
            return (date.today() - timedelta(days=400)).isoformat()
        if fmt == "date-time":
            return "2025-01-01T00:00:00Z"
        pattern = schema.get("pattern")
        if pattern:
            code = self.home.code_like(pattern)
            if code is not None:
                return code
        min_length: int = schema.get("minLength", 1)
        return "沪" * max(min_length, 1)


@dataclass
class Call:
    operation: Operation
    url: str
    params: dict[str, Any]
    body: Any
    form: bool

    async def send(self, client: httpx.AsyncClient, headers: dict[str, str]) -> httpx.Response:
        kwargs: dict[str, Any] = {"params": self.params, "headers": headers}
        if self.body is not None:
            kwargs["data" if self.form else "json"] = self.body
        return await client.request(self.operation.method.upper(), self.url, **kwargs)

    def request_text(self) -> str:
        return f"{self.url} {self.params} {self.body}"


def calls(doc: Mapping[str, Any], home: Home) -> Iterator[Call]:
    """Every operation, once per home value of each path parameter, with and without
    the query parameters that name the home region."""
    gen = Generator(doc, home)
    for op in operations(doc):
        body, form = _body(gen, op, home)
        for url in _urls(op, gen):
            query = {
                p["name"]: home.values[p["name"]][0]
                for p in op.spec.get("parameters", [])
                if p["in"] == "query" and p["name"] in home.values
            }
            yield Call(op, url, {}, body, form)
            if query:
                yield Call(op, url, query, body, form)


def _body(gen: Generator, op: Operation, home: Home) -> tuple[Any, bool]:
    if op.label in home.bodies:
        return home.bodies[op.label], False
    content = op.spec.get("requestBody", {}).get("content", {})
    for media, form in (("application/json", False), ("application/x-www-form-urlencoded", True)):
        if media in content:
            return gen.value(content[media].get("schema", {})), form
    return None, False


def _urls(op: Operation, gen: Generator) -> Iterator[str]:
    names = re.findall(r"{(\w+)}", op.path)
    if not names:
        yield op.path
        return
    params = {p["name"]: p for p in op.spec.get("parameters", []) if p["in"] == "path"}

    def fill(path: str, rest: list[str]) -> Iterator[str]:
        if not rest:
            yield path
            return
        name = rest[0]
        choices = gen.home.values.get(name) or [gen.value(params[name].get("schema", {}), name)]
        for value in choices:
            yield from fill(path.replace("{" + name + "}", str(value)), rest[1:])

    yield from fill(op.path, names)


def check(call: Call, roles: list[str], r: httpx.Response, home: Home) -> list[str]:
    """What is wrong with a foreign caller's answer (empty when nothing is)."""
    where = f"{call.operation.label} {call.url} {call.params or ''} as {roles}: {r.status_code}"
    problems = []
    # A public application repeated by the sweep's next caller is the same person's.
    public_refusals = {409} if call.operation.label in home.public else set()
    if r.status_code >= 500:
        problems.append(f"{where}: server error {r.text[:200]}")
    elif (
        200 <= r.status_code < 300
        and call.operation.method in WRITES
        and call.operation.label not in home.computations | home.public
    ):
        problems.append(f"{where}: a write aimed at region {home.region} succeeded")
    elif r.status_code >= 300 and r.status_code not in REFUSALS | public_refusals:
        problems.append(f"{where}: unexpected status {r.text[:200]}")
    sent = call.request_text()
    if call.operation.label in home.public:
        return problems
    leaked = sorted(m for m in home.markers if m in r.text and m not in sent)
    if leaked:
        problems.append(f"{where}: the answer names home records {leaked}")
    return problems


async def sweep(
    client: httpx.AsyncClient,
    doc: Mapping[str, Any],
    home: Home,
    tokens: Mapping[str, dict[str, str]],
) -> tuple[int, list[str]]:
    """Every call with every foreign token; (calls made, problems found)."""
    made, problems = 0, []
    for call in calls(doc, home):
        for label, headers in tokens.items():
            r = await call.send(client, headers)
            made += 1
            problems += check(call, label.split("+"), r, home)
    return made, problems
