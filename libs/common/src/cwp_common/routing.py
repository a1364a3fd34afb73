"""How a request finds its route.

- Path parameters match only what they accept: a path value outside its parameter's
  pattern is no route at all (404, or 405 where the path serves other methods), as the
  OpenAPI document says, rather than a route refusing it with 422.
- The app's routes are indexed by the fixed segments their paths begin with
  (`index_routes`): a request tries only the routes that could match it.
- An included router answers for its own prefix directly (`route_directly`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette._utils import get_route_path
from starlette.convertors import CONVERTOR_TYPES, StringConvertor, register_url_convertor
from starlette.datastructures import URLPath
from starlette.routing import BaseRoute, Match, Mount, NoMatchFound, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from cwp_common.request_handlers import route_app

ROUTE = "cwp.route"  # the scope key of a route matched directly
INDEXED = "cwp.indexed"  # the scope key of the route RouteIndex found
PREFIX = "cwp_prefix"  # an included router's prefix, as route_directly notes it


class RouteIndex(BaseRoute):
    """The app's other routes, by the fixed path segments each begins with: its path's
    (or an included router's prefix's) segments up to the first with a parameter. A route
    can match only a path that begins with those, so a request tries only the routes of
    the tree nodes its own segments walk through, in the app's order, and the first full
    match is the one FastAPI's loop would have found. Without one, FastAPI's loop runs as
    before (a 405, a slash redirect, a 404). Before, every request tried every route in
    turn: the docs', the health checks' and each router's, a tenth of a worker GET's CPU.
    It stands first in the app's routes; routes added later rebuild it."""

    def __init__(self, routes: list[BaseRoute]) -> None:
        self.routes = routes
        self._size = -1
        self._root = _Node()

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http":
            return Match.NONE, {}
        if len(self.routes) != self._size:
            self._build()
        node = self._root
        for segment in get_route_path(scope).split("/")[1:]:
            child = node.children.get(segment)
            if child is None:
                break
            node = child
        for route in node.candidates:
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                return match, {**child_scope, INDEXED: route}
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await scope.pop(INDEXED).handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        raise NoMatchFound(name, path_params)  # the indexed routes answer for themselves

    def _build(self) -> None:
        root = _Node()
        for route in self.routes:
            if route is self:
                continue
            node = root
            for segment in fixed_segments(route):
                node = node.children.setdefault(segment, _Node())
            node.own.append(route)
        order = {id(route): i for i, route in enumerate(self.routes)}
        root.settle([], order)
        self._root, self._size = root, len(self.routes)


class _Node:
    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.own: list[BaseRoute] = []  # routes whose fixed segments end here
        self.candidates: list[BaseRoute] = []  # own and every ancestor's, in app order

    def settle(self, inherited: list[BaseRoute], order: dict[int, int]) -> None:
        self.candidates = sorted([*inherited, *self.own], key=lambda r: order[id(r)])
        for child in self.children.values():
            child.settle(self.candidates, order)


def fixed_segments(route: BaseRoute) -> list[str]:
    """The segments every path `route` matches begins with; none for a kind of route
    whose paths this cannot tell (it is then tried for every request)."""
    path = getattr(route, PREFIX, None)
    if path is None and isinstance(route, Route | Mount):
        path = route.path
    if not path:
        return []
    fixed = []
    for segment in path.split("/")[1:]:
        if "{" in segment:
            break
        fixed.append(segment)
    return fixed


def index_routes(app: FastAPI) -> None:
    """Put a RouteIndex of `app`'s routes first among them."""
    routes = app.router.routes
    if not (routes and isinstance(routes[0], RouteIndex)):
        routes.insert(0, RouteIndex(routes))


def route_directly(app: FastAPI, included: BaseRoute, router: APIRouter) -> None:
    """FastAPI matches a request for an included router's route twice, each time through
    its machinery for inclusions (context variables, effective routes), and tried every
    included router in turn: for a GET of one worker that was a fifth of the request's
    CPU. The included router now says "no" at once to a path outside its prefix, the way a
    mount does, and matches a path inside it against its own routes, in their order; the
    first that matches fully is served at once by the handler built for it. Anything else
    (a path served only for another method, a route with a body, dependency overrides)
    goes through FastAPI's own routing, as before."""
    whole_matches, whole_handle = included.matches, included.handle
    prefix = router.prefix
    setattr(included, PREFIX, prefix)
    direct = all(isinstance(r, APIRoute) for r in router.routes)
    routes = [r for r in router.routes if isinstance(r, APIRoute)]
    served: dict[int, ASGIApp] = {}  # by id(route); built on first use, once all are planned

    def matches(scope: Scope) -> tuple[Match, Scope]:
        if not get_route_path(scope).startswith(prefix):
            return Match.NONE, {}
        if direct and not app.dependency_overrides:
            for route in routes:  # the first full match wins, as in FastAPI
                match, child = route.matches(scope)
                if match is Match.FULL:
                    if route.body_field is None and not route.max_body_size:
                        return match, {**child, ROUTE: route}
                    break
        return whole_matches(scope)

    async def handle(scope: Scope, receive: Receive, send: Send) -> None:
        route = scope.pop(ROUTE, None)
        if route is None:
            await whole_handle(scope, receive, send)
            return
        handler = served.get(id(route))
        if handler is None:
            handler = served[id(route)] = route_app(route)
        await handler(scope, receive, send)

    included.matches = matches  # type: ignore[method-assign]
    included.handle = handle  # type: ignore[method-assign]


def segment_convertor(metadata: Sequence[Any]) -> str | None:
    """The name of a Starlette path convertor for a parameter with these constraints
    (FieldInfo.metadata), or None when they state no pattern it can match by."""
    pattern = anchored_pattern(metadata)
    return None if pattern is None else pattern_convertor(pattern)


def anchored_pattern(metadata: Sequence[Any]) -> str | None:
    """A parameter's pattern when it is anchored at both ends only (no other ^ or $), so
    that its inside can be matched within a path; None for any other."""
    for item in metadata:
        pattern = getattr(item, "pattern", None)
        if not (isinstance(pattern, str) and pattern.startswith("^") and pattern.endswith("$")):
            continue
        inside = pattern[1:-1]
        if inside.endswith("\\") or re.search(r"\$|(?<!\[)\^", inside):
            return None
        try:
            re.compile(inside)
        except re.error:
            return None
        return pattern
    return None


def pattern_convertor(pattern: str) -> str:
    """The name under which Starlette knows the convertor of `pattern` (registered once):
    a path segment that the pattern matches whole. Its look-ahead admits a segment when
    the pattern matches from its start to its end; a pattern that could also match a "/"
    admits more than it should, never less, and the parameter's validator still judges."""
    name = "cwp_pattern_" + hashlib.sha256(pattern.encode()).hexdigest()[:16]
    if name not in CONVERTOR_TYPES:

        class Segment(StringConvertor):
            regex = f"(?=(?:{pattern[1:-1]})(?:/|$))[^/]+"

        register_url_convertor(name, Segment())
    return name
