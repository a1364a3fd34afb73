"""Request handlers planned once per route, for the routes whose inputs are plain.

FastAPI solves a route's dependencies afresh on every request: for each dependency it
walks the tree, builds cache keys, checks for overrides, generators and thread pools, and
validates four kinds of parameters whether the route has them or not. For a GET of one
worker that was about 40% of the request's own CPU. Most of our routes need none of that
generality: their dependencies are `async def` functions of the request and of each other
(the token check, the session, an `app.state` object), and their parameters come from the
path, the query string or the headers.

For such a route, `plain_handler` lays the dependencies out once, in the order FastAPI
solves them, and each request just calls them, checks the parameters with FastAPI's own
validator and serializes the answer with FastAPI's own serializer. What a caller sees is
unchanged: the same values, the same 422 errors, the same JSON. A route with anything
else (a body, a generator or sync dependency, `Response`/`BackgroundTasks` parameters,
security scopes, a streamed answer) keeps FastAPI's handler, as does every route while
dependency overrides are set.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

import fastapi.routing
from fastapi.datastructures import DefaultPlaceholder
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import request_params_to_args
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, request_response, serialize_response
from fastapi.utils import is_body_allowed_for_status_code
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
Call = Callable[..., Awaitable[Any]]

# FastAPI builds an included route's handler with the inclusion's view of the route (its
# prefix, merged dependencies, response class) set in this context variable.
_INCLUDED = getattr(fastapi.routing, "_effective_route_context_var", None)


@dataclass(frozen=True)
class Step:
    """One dependency call: its arguments are the request and earlier steps' values."""

    call: Call
    request_name: str | None
    needs: tuple[tuple[str, Call], ...]  # argument name, the call whose value it takes


def install_plain_handlers(route: APIRoute) -> None:
    """From now on FastAPI builds this route's handler with `plain_handler` (it builds
    an included route's handler when the app first routes a request)."""
    fastapi_handler = route.get_route_handler

    def get_route_handler() -> Handler:
        return plain_handler(route, fastapi_handler())

    route.get_route_handler = get_route_handler  # type: ignore[method-assign]


def plain_handler(route: APIRoute, fastapi_handler: Handler) -> Handler:
    """The planned handler for `route`, or FastAPI's own when the route is not plain."""
    view: Any = route
    included = _INCLUDED.get() if _INCLUDED is not None else None
    if included is not None and included.original_route is route:
        view = included
    dependant: Dependant = view.dependant
    steps = plan(dependant)
    if steps is None or view.body_field is not None or not plain_endpoint(dependant):
        return fastapi_handler
    endpoint: Call = dependant.call  # type: ignore[assignment]
    needs = arguments(dependant)
    # Path values are always there once the route matched: each is validated on its own.
    path = [(f.name, f.validate) for f in dependant.path_params]
    if not all(unaliased(f) for f in dependant.path_params):
        path = []
    params = [
        (fields, where)
        for fields, where in (
            ([] if path else dependant.path_params, "path_params"),
            (dependant.query_params, "query_params"),
            (dependant.header_params, "headers"),
            (dependant.cookie_params, "cookies"),
        )
        if fields
    ]
    response_class = view.response_class
    dump_json = view.response_field is not None and isinstance(response_class, DefaultPlaceholder)
    if isinstance(response_class, DefaultPlaceholder):
        response_class = response_class.value
    status = view.status_code
    overrides = view.dependency_overrides_provider

    async def handler(request: Request) -> Response:
        if overrides is not None and getattr(overrides, "dependency_overrides", None):
            return await fastapi_handler(request)
        solved: dict[Call, Any] = {}
        for step in steps:
            kwargs = {name: solved[call] for name, call in step.needs}
            if step.request_name is not None:
                kwargs[step.request_name] = request
            solved[step.call] = await step.call(**kwargs)
        values = {name: solved[call] for name, call in needs}
        errors: list[Any] = []
        received = request.path_params
        for name, validate in path:
            value, wrong = validate(received[name], values, loc=("path", name))
            if wrong:
                errors += wrong
            else:
                values[name] = value
        for fields, where in params:
            found, wrong = request_params_to_args(fields, getattr(request, where))
            values.update(found)
            errors += wrong
        if errors:
            raise RequestValidationError(errors)
        if dependant.request_param_name is not None:
            values[dependant.request_param_name] = request
        raw = await endpoint(**values)
        if isinstance(raw, Response):
            return raw
        content = await serialize_response(
            field=view.response_field,
            response_content=raw,
            include=view.response_model_include,
            exclude=view.response_model_exclude,
            by_alias=view.response_model_by_alias,
            exclude_unset=view.response_model_exclude_unset,
            exclude_defaults=view.response_model_exclude_defaults,
            exclude_none=view.response_model_exclude_none,
            dump_json=dump_json,
        )
        status_args = {} if status is None else {"status_code": status}
        response = (
            Response(content, media_type="application/json", **status_args)
            if dump_json
            else response_class(content, **status_args)
        )
        if not is_body_allowed_for_status_code(response.status_code):
            response.body = b""
        return response

    handler.overridden = lambda: bool(getattr(overrides, "dependency_overrides", None))  # type: ignore[attr-defined]
    return handler


def route_app(route: APIRoute) -> ASGIApp:
    """The ASGI app serving `route`. A planned handler is called straight: FastAPI's
    wrapper opens two exit stacks for dependencies with `yield` (a planned route has none)
    and handles exceptions itself, which ExceptionMiddleware does alike one step out: that
    wrapper was a twentieth of a worker GET's CPU. Any other handler, and a planned one
    while dependency overrides are set, runs in FastAPI's wrapper."""
    handler = route.get_route_handler()
    wrapped = request_response(handler)
    overridden: Callable[[], bool] | None = getattr(handler, "overridden", None)
    if overridden is None:
        return wrapped

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if overridden():
            await wrapped(scope, receive, send)
            return
        response = await handler(Request(scope, receive, send))
        await response(scope, receive, send)

    return app


def plan(dependant: Dependant) -> list[Step] | None:
    """The route's dependencies as calls in FastAPI's order (depth first, each once), or
    None when one of them is not plain."""
    steps: list[Step] = []
    planned: set[Call] = set()

    def visit(node: Dependant) -> bool:
        for sub in node.dependencies:
            call = sub.call
            if call in planned:
                continue
            if not (plain_dependency(sub) and visit(sub)):
                return False
            assert call is not None
            steps.append(Step(call, sub.request_param_name, arguments(sub)))
            planned.add(call)
        return True

    return steps if visit(dependant) else None


def arguments(node: Dependant) -> tuple[tuple[str, Call], ...]:
    return tuple((sub.name, sub.call) for sub in node.dependencies if sub.name is not None)  # type: ignore[misc]


def unaliased(field: Any) -> bool:
    """A parameter known by its own name only (FastAPI looks aliases up otherwise)."""
    info, name = field.field_info, field.name
    return (
        info.alias in (None, name) and info.validation_alias in (None, name) and field.alias == name
    )


def plain_dependency(sub: Dependant) -> bool:
    """An `async def` of the request and other dependencies, cached per request."""
    return (
        inspect.iscoroutinefunction(sub.call)
        and sub.use_cache
        and sub.concurrency is None
        and not sub.own_oauth_scopes
        and not sub.parent_oauth_scopes
        and not _params(sub)
        and _only_request(sub)
    )


def plain_endpoint(dependant: Dependant) -> bool:
    """An `async def` returning one answer, with no body and no special parameters."""
    call = dependant.call
    return (
        inspect.iscoroutinefunction(call)
        and not inspect.isasyncgenfunction(call)
        and not dependant.body_params
        and _only_request(dependant)
    )


def _params(node: Dependant) -> Sequence[Any]:
    return [
        *node.path_params,
        *node.query_params,
        *node.header_params,
        *node.cookie_params,
        *node.body_params,
    ]


def _only_request(node: Dependant) -> bool:
    return (
        node.websocket_param_name is None
        and node.http_connection_param_name is None
        and node.response_param_name is None
        and node.background_tasks_param_name is None
        and node.security_scopes_param_name is None
    )
