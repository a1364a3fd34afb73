"""How a request finds its route.

- Path parameters match only what they accept: a path value outside its parameter's
  pattern is no route at all (404, or 405 where the path serves other methods), as the
  OpenAPI document says, rather than a route refusing it with 422.
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
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

from cwp_common.request_handlers import route_app

ROUTE = "cwp.route"  # the scope key of a route matched directly


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
