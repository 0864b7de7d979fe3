"""Dependencies shared by the routes: the pool connection, the caller's role, settings.

Use the aliases in route signatures: ``conn: Conn`` (pooled, commits on success, 503 when the
database is down), ``_: AgentRole`` / ``EngineerRole`` / ``PlannerRole`` (401 without a valid
key, 403 for another role; ``admin`` passes everywhere). Keys are compared in constant time
against every configured key.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import psycopg
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from psycopg_pool import ConnectionPool, PoolTimeout

from api.errors import DB_DOWN_MESSAGE
from api.settings import ApiSettings
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


class DatabaseGate:
    """Knows whether the database was found unreachable, so requests fail fast during an outage.

    Tripped by a pooled connection failing its check, a reconnection giving up, a connection
    lost mid-request, or a wait for a connection that timed out while the pool couldn't grow;
    cleared by the next connection handed out. While tripped, a request waits only
    ``db_down_acquire_timeout_s`` for a connection; otherwise up to ``db_acquire_timeout_s``
    (overload queues instead of failing) in slices, leaving as soon as the gate trips.
    """

    SLICE_S = 1.0  # longer slices re-queue less (fairer under load); outage exit ≤ 1 s

    def __init__(self) -> None:
        self.down = False

    def check(self, conn: psycopg.Connection[Any]) -> None:
        """The pool's connection check: the default one, tripping the gate when it fails."""
        try:
            ConnectionPool.check_connection(conn)
        except Exception:
            self.down = True
            raise

    def reconnect_failed(self, pool: ConnectionPool[Any]) -> None:
        self.down = True

    def failed(self, pool: ConnectionPool[Any], exc: Exception) -> None:
        if not isinstance(exc, PoolTimeout) or pool.get_stats().get("pool_size", 0) < pool.max_size:
            self.down = True

    def acquire(self, pool: ConnectionPool[Any], request: Request) -> psycopg.Connection[Any]:
        return self.acquire_with(pool, request.app.state.api_settings)

    def acquire_with(self, pool: ConnectionPool[Any], api: ApiSettings) -> psycopg.Connection[Any]:
        """``acquire`` outside a request (the diagnosis batcher), with the service's settings."""
        deadline = time.monotonic() + float(api.db_acquire_timeout_s)
        while True:
            short = self.down
            remaining = deadline - time.monotonic()
            wait = float(api.db_down_acquire_timeout_s) if short else min(self.SLICE_S, remaining)
            try:
                conn: psycopg.Connection[Any] = pool.getconn(timeout=max(wait, 0.001))
            except PoolTimeout as exc:
                if short or self.down or time.monotonic() >= deadline:
                    self.failed(pool, exc)
                    raise
                continue
            self.down = False
            return conn


def get_conn(request: Request) -> Iterator[psycopg.Connection[Any]]:
    """A pooled connection; its transaction commits when the route returns without error.

    During an outage the answer is a quick 503 ``database_unavailable`` (see DatabaseGate), and
    the pool reconnects by itself when the server is back.
    """
    state = request.app.state
    with gated_connection(get_pool(request), state.db_gate, state.api_settings) as conn:
        yield conn


@contextmanager
def gated_connection(
    pool: ConnectionPool[psycopg.Connection[Any]], gate: DatabaseGate, api: ApiSettings
) -> Iterator[psycopg.Connection[Any]]:
    """``get_conn`` outside a request's dependencies (the diagnosis batcher uses it too):
    DatabaseUnavailableError when the database is down or lost meanwhile."""
    try:
        conn = gate.acquire_with(pool, api)
    except psycopg.OperationalError as exc:  # PoolTimeout included
        raise DatabaseUnavailableError(DB_DOWN_MESSAGE) from exc
    try:
        with conn:  # commit on success, roll back on error (the pool keeps it open)
            yield conn
    except psycopg.OperationalError as exc:  # lost mid-request, or a statement timeout
        if conn.broken or conn.closed:
            gate.down = True
        raise DatabaseUnavailableError(DB_DOWN_MESSAGE) from exc
    finally:
        pool.putconn(conn)


def key_digests(keys: dict[str, str]) -> list[tuple[bytes, str]]:
    """``[(sha256(key), role)]``: equal-length digests, so comparing leaks nothing of a key."""
    return [(hashlib.sha256(key.encode()).digest(), role) for key, role in keys.items()]


def _role_for(request: Request, credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or not credentials.credentials:
        raise AuthenticationError("missing API key: send Authorization: Bearer <key>")
    presented = hashlib.sha256(credentials.credentials.encode()).digest()
    digests: list[tuple[bytes, str]] = request.app.state.api_key_digests
    role: str | None = None
    for digest, key_role in digests:  # compare against every key: time doesn't leak which
        if hmac.compare_digest(presented, digest):
            role = key_role
    if role is None:
        raise AuthenticationError("invalid API key")
    return role


def require_role(*roles: str) -> Callable[..., Awaitable[str]]:
    """Dependency: the caller's role, which must be one of ``roles`` (admin always passes).
    Async although it never awaits: a sync dependency would cost every request a hop through the
    threadpool for a hash and a compare."""
    allowed = {*roles, "admin"}

    async def dependency(
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


# scope="function": the transaction ends (commit or 503) before the response is sent.
Conn = Annotated[psycopg.Connection[Any], Depends(get_conn, scope="function")]
Settings = Annotated[CoreSettings, Depends(get_settings_dep)]
AgentRole = Annotated[str, Depends(require_role("agent"))]
EngineerRole = Annotated[str, Depends(require_role("engineer"))]
PlannerRole = Annotated[str, Depends(require_role("planner"))]
