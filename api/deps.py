"""Dependencies shared by the routes: the pool connection, the caller's role, settings."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from typing import Annotated, Any

import psycopg
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from psycopg_pool import ConnectionPool, PoolTimeout

from netcomplaint.errors import (
    AuthenticationError,
    DatabaseUnavailableError,
    PermissionDeniedError,
)
from netcomplaint.settings import CoreSettings

_bearer = HTTPBearer(auto_error=False, description="API key: `Authorization: Bearer <key>`")


def get_settings_dep(request: Request) -> CoreSettings:
    settings: CoreSettings = request.app.state.settings
    return settings


def get_pool(request: Request) -> ConnectionPool[psycopg.Connection[Any]]:
    pool: ConnectionPool[psycopg.Connection[Any]] = request.app.state.pool
    return pool


def get_conn(request: Request) -> Iterator[psycopg.Connection[Any]]:
    """A pooled connection; its transaction commits when the route returns without error."""
    pool = get_pool(request)
    try:
        with pool.connection() as conn:
            yield conn
    except (PoolTimeout, psycopg.OperationalError) as exc:
        raise DatabaseUnavailableError(
            "the database is unavailable right now; the request was not processed, retry shortly"
        ) from exc


def _role_for(request: Request, credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or not credentials.credentials:
        raise AuthenticationError("missing API key: send Authorization: Bearer <key>")
    presented = credentials.credentials.encode()
    keys: dict[str, str] = request.app.state.api_keys
    role: str | None = None
    for key, key_role in keys.items():  # compare against every key: time doesn't leak which
        if hmac.compare_digest(presented, key.encode()):
            role = key_role
    if role is None:
        raise AuthenticationError("invalid API key")
    return role


def require_role(*roles: str) -> Callable[..., str]:
    """Dependency: the caller's role, which must be one of ``roles`` (admin always passes)."""
    allowed = {*roles, "admin"}

    def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> str:
        role = _role_for(request, credentials)
        if role not in allowed:
            raise PermissionDeniedError(
                f"role {role!r} may not use this endpoint (needs {' or '.join(sorted(roles))})"
            )
        return role

    return dependency


Conn = Annotated[psycopg.Connection[Any], Depends(get_conn)]
Settings = Annotated[CoreSettings, Depends(get_settings_dep)]
AgentRole = Annotated[str, Depends(require_role("agent"))]
EngineerRole = Annotated[str, Depends(require_role("engineer"))]
PlannerRole = Annotated[str, Depends(require_role("planner"))]
