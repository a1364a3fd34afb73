"""RFC 9457 problem+json errors, and the handlers that turn every failure into one."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import compile_path

from cwp_common.redact import describe, log_safe

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("cwp.problems")


def problem_type(slug: str) -> str:
    return f"urn:cwp:problem:{slug}"


class ProblemError(Exception):
    """An error the client can act on; rendered as problem+json with a stable type."""

    def __init__(
        self,
        status: int,
        slug: str,
        title: str,
        detail: str | None = None,
        *,
        errors: Sequence[Mapping[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.errors = list(errors or [])
        self.headers = dict(headers or {})


class NotFound(ProblemError):
    def __init__(self, what: str, key: object) -> None:
        super().__init__(404, "not-found", "Not found", f"{what} {key} not found / 未找到")


class Conflict(ProblemError):
    def __init__(self, slug: str, detail: str) -> None:
        super().__init__(409, slug, "Conflict", detail)


class Forbidden(ProblemError):
    def __init__(self, detail: str, slug: str = "forbidden") -> None:
        super().__init__(403, slug, "Forbidden", detail)


class Unauthorized(ProblemError):
    def __init__(self, detail: str) -> None:
        super().__init__(
            401, "unauthorized", "Unauthorized", detail, headers={"WWW-Authenticate": "Bearer"}
        )


class InvalidInput(ProblemError):
    """422 for a value that is well-formed JSON but breaks a rule; `field` names it."""

    def __init__(self, field: str, detail: str, slug: str = "invalid-input") -> None:
        super().__init__(
            422, slug, "Invalid input", detail, errors=[{"field": field, "message": detail}]
        )


def problem_response(
    status: int,
    slug: str,
    title: str,
    detail: str | None = None,
    *,
    instance: str | None = None,
    errors: Sequence[Mapping[str, Any]] = (),
    headers: Mapping[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {"type": problem_type(slug), "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = list(errors)
    return Response(
        orjson.dumps(body), status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


def _field_path(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or str(loc[0] if loc else "")


def _message_without_input(error: Mapping[str, Any]) -> str:
    """pydantic's message, never quoting the value sent: a 422 for a bad ID number or
    phone must not echo it (clients log and store problem bodies). The built-in messages
    do not quote it; a custom validator's might."""
    message = str(error.get("msg", ""))
    value = error.get("input")
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        text = str(value).strip()
        if len(text) >= 3 and text in message:
            message = message.replace(text, "…")
    return message


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app serves at the request's path."""
    methods: set[str] = set()
    path = request.url.path
    for context in iter_route_contexts(request.app.routes):
        if context.methods and context.path and compile_path(context.path)[0].match(path):
            methods |= context.methods
    return sorted(methods)


def where(request: Request) -> str:
    """The method and the path, safe for a log line, of a request that failed."""
    return f"{request.method} {log_safe(request.url.path)}"


def install_problem_handlers(app: FastAPI) -> None:
    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ProblemError)
        return problem_response(
            exc.status,
            exc.slug,
            exc.title,
            exc.detail,
            instance=request.url.path,
            errors=exc.errors,
            headers=exc.headers,
        )

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = list(exc.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            return problem_response(
                400,
                "malformed-json",
                "Malformed JSON",
                "The request body is not valid JSON / 请求体不是合法的 JSON",
                instance=request.url.path,
            )
        fields = [
            {
                "field": _field_path(e.get("loc", ())),
                "message": _message_without_input(e),
                "code": e["type"],
            }
            for e in errors
        ]
        return problem_response(
            422,
            "validation-error",
            "Invalid input",
            "; ".join(f"{f['field']}: {f['message']}" for f in fields),
            instance=request.url.path,
            errors=fields,
        )

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        slug = {404: "not-found", 405: "method-not-allowed", 413: "payload-too-large"}.get(
            exc.status_code, "http-error"
        )
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            # Starlette names only the first route of the path; a path served by several
            # (GET and POST as two endpoints) allows all of theirs.
            headers["Allow"] = ", ".join(allowed_methods(request))
        return problem_response(
            exc.status_code,
            slug,
            str(exc.detail) if exc.detail else "Error",
            str(exc.detail) if exc.detail else None,
            instance=request.url.path,
            headers=headers,
        )

    async def on_database_busy(request: Request, exc: Exception) -> Response:
        # A lock or connection failure (SQLite busy, PostgreSQL restarting): the transaction
        # rolled back, nothing was written, and the same request can simply be retried.
        log.warning("database unavailable on %s: %s", where(request), describe(exc))
        return problem_response(
            503,
            "database-busy",
            "Temporarily unavailable",
            "The database is busy; nothing was changed, please retry / 数据库繁忙，请重试",
            instance=request.url.path,
            headers={"Retry-After": "1"},
        )

    async def on_bad_data(request: Request, exc: Exception) -> Response:
        # The database refused a value the schema let through (a NUL character, a number
        # out of range, text longer than its column): the client's input, not our fault.
        log.warning("database refused a value on %s: %s", where(request), describe(exc))
        return problem_response(
            422,
            "invalid-data",
            "Invalid input",
            "A value cannot be stored (control characters, or too long or too large) / "
            "输入值无法保存",
            instance=request.url.path,
        )

    async def on_driver_error(request: Request, exc: Exception) -> Response:
        # A pooled connection found closed mid-request (the database restarted): the pool
        # has dropped it, and a retry gets a fresh one.
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            return await on_database_busy(request, exc)
        return await on_unexpected(request, exc)

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        # Where it failed, and the error's type: its text may hold the values it choked on.
        log.error(
            "unhandled error on %s: %s\n%s",
            where(request),
            describe(exc),
            "".join(traceback.format_tb(exc.__traceback__)).rstrip(),
        )
        return problem_response(
            500, "internal-error", "Internal error", "An unexpected error occurred."
        )

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(OperationalError, on_database_busy)
    app.add_exception_handler(PoolTimeout, on_database_busy)  # no free connection in time
    app.add_exception_handler(DataError, on_bad_data)
    app.add_exception_handler(DBAPIError, on_driver_error)
    app.add_exception_handler(Exception, on_unexpected)
