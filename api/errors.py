"""The one map from our exceptions to HTTP statuses, and the one JSON error shape.

Every error answer is ``{"error": {"code", "message", …}}``; validation errors add ``field`` (the
path of the first bad field, e.g. ``lat`` or ``causes.0.score``) and ``details`` (every problem,
each with ``field``, ``in`` — body/query/path/header — and ``message``). A database that can't be
reached is 503 ``database_unavailable`` with ``Retry-After``; anything unexpected is a 500 in the
same shape, never a traceback.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg_pool import PoolTimeout
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.logs import mask_pii
from api.metrics import DB_UNAVAILABLE
from netcomplaint.errors import (
    AuthenticationError,
    ConfigurationError,
    ConflictError,
    DatabaseUnavailableError,
    InputError,
    NetcomplaintError,
    NotFoundError,
    PermissionDeniedError,
)

STATUS_BY_ERROR: dict[type[NetcomplaintError], int] = {
    InputError: 422,
    NotFoundError: 404,
    ConflictError: 409,
    AuthenticationError: 401,
    PermissionDeniedError: 403,
    DatabaseUnavailableError: 503,
    ConfigurationError: 500,
}
DB_DOWN_MESSAGE = (
    "the database is unavailable right now; the request was not processed, retry shortly"
)
_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "body_too_large",
    415: "unsupported_media_type",
}
_FASTAPI_BODY_ERROR = "There was an error parsing the body"
_log = logging.getLogger("api.errors")


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None
    details: list[dict[str, Any]] | None = None


class ErrorResponse(BaseModel):
    """The JSON body of every error answer."""

    error: ErrorDetail


_DESCRIPTIONS = {
    401: "missing or invalid API key",
    403: "the key's role may not use this endpoint",
    404: "no such resource",
    409: "the current state forbids this change",
    422: "invalid input; `field` names the bad field",
    500: "unexpected error (logged)",
    503: "the database is unavailable; retry shortly",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries documenting our error shape for these statuses.

    Always ``application/json``, also on routes whose success is HTML or GeoJSON (``model=``
    would take the route's media type); the schema is added by ``add_error_schemas``.
    """
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
    return {s: {"description": _DESCRIPTIONS[s], "content": content} for s in statuses}


def add_error_schemas(document: dict[str, Any]) -> dict[str, Any]:
    """Put ``ErrorResponse`` (and ``ErrorDetail``) into the document's components."""
    schema = ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}")
    components = document.setdefault("components", {}).setdefault("schemas", {})
    components.update(schema.pop("$defs", {}))
    components["ErrorResponse"] = schema
    return document


COMMON_ERRORS = error_responses(401, 403, 422, 503)


def error_body(code: str, message: str, **extra: object) -> dict[str, object]:
    return {"error": {"code": code, "message": message, **extra}}


def status_for(exc: NetcomplaintError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 500


async def _netcomplaint_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, NetcomplaintError)
    extra: dict[str, object] = {}
    if isinstance(exc, InputError) and exc.field:
        extra["field"] = exc.field
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, AuthenticationError) else None
    if isinstance(exc, DatabaseUnavailableError):
        DB_UNAVAILABLE.inc()
        headers = {"Retry-After": "2"}
    message = mask_pii(exc.message)  # e.g. an MSISDN sent where an id belongs, echoed back
    return JSONResponse(
        error_body(exc.code, message, **extra), status_code=status_for(exc), headers=headers
    )


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """A connection lost mid-request (server restarting) or no connection in time."""
    _log.warning("database unavailable: %s", type(exc).__name__)
    return await _netcomplaint_error(request, DatabaseUnavailableError(DB_DOWN_MESSAGE))


async def _data_error(request: Request, exc: Exception) -> JSONResponse:
    """A value the database refuses (out of its range): the client's input, not our fault."""
    _log.warning("database refused a value: %s", exc)
    return JSONResponse(
        error_body("invalid_input", "a value is out of the range the database accepts"),
        status_code=422,
    )


def _field_path(loc: tuple[Any, ...]) -> tuple[str, str]:
    where = str(loc[0]) if loc else ""
    rest = loc[1:] if where in ("body", "query", "path", "header", "cookie") else loc
    if where == "body" and rest and isinstance(rest[0], int) and len(rest) == 1:
        rest = ()  # JSON decode error: the int is a character position, not a field
    return where, ".".join(str(part) for part in rest) or where


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details: list[dict[str, Any]] = []
    for err in exc.errors():
        where, field = _field_path(tuple(err.get("loc", ())))
        message = str(err.get("msg")).removeprefix("Value error, ")
        if err.get("type") == "json_invalid":
            message = str((err.get("ctx") or {}).get("error", message))
        details.append({"field": field, "in": where, "message": message})
    first = details[0] if details else {"field": "body", "message": "invalid request"}
    code, message = "invalid_input", f"{first['field']}: {first['message']}"
    types = {err.get("type") for err in exc.errors()}
    content_type = request.headers.get("content-type", "")
    if "json_invalid" in types:
        code, message = "invalid_json", f"body: not valid JSON: {first['message']}"
    elif first["field"] == "body" and "json" not in content_type.lower():
        code = "unsupported_media_type"
        message = "body: send JSON with Content-Type: application/json"
    return JSONResponse(
        error_body(code, message, field=first["field"], details=details), status_code=422
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and exc.detail == _FASTAPI_BODY_ERROR:  # e.g. not UTF-8
        return JSONResponse(
            error_body("invalid_json", "body: not valid JSON (undecodable bytes)", field="body"),
            status_code=422,
        )
    return JSONResponse(
        error_body(_HTTP_CODES.get(exc.status_code, "http_error"), str(exc.detail)),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    _log.error("unhandled error", exc_info=exc)
    return JSONResponse(
        error_body("internal_error", "an unexpected error occurred; it has been logged"),
        status_code=500,
    )


def register_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(NetcomplaintError, _netcomplaint_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(PoolTimeout, _database_error)
    app.add_exception_handler(psycopg.OperationalError, _database_error)
    app.add_exception_handler(psycopg.DataError, _data_error)
    app.add_exception_handler(Exception, _unexpected_error)
