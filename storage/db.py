"""Connections and pools: one way to reach the database for every command and the service."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import pq
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from netcomplaint.errors import DatabaseUnavailableError
from netcomplaint.settings import CoreSettings
from storage.server import embedded_url

Conn = psycopg.Connection[Any]
DictConn = psycopg.Connection[dict[str, Any]]


@contextmanager
def pipelined(conn: Conn) -> Iterator[None]:
    """``conn.pipeline()``, or the one already open. A nested pipeline block costs a round trip
    on exit (a Sync) and one on entry while statements are queued; the diagnosis batch nests
    them (storing → mass events → work-order hook), under the global lock. Without them the
    queued statements go with the next read: a cursor fetches its results when read, as ever.
    """
    if conn.pgconn.pipeline_status != pq.PipelineStatus.OFF:
        yield
        return
    with conn.pipeline():
        yield


def resolve_url(settings: CoreSettings) -> str:
    """The configured server, or the embedded one in the data directory."""
    if settings.database_url:
        return settings.database_url
    return embedded_url(settings.data_dir)


def describe_url(url: str) -> str:
    """The URL without a password, for messages and ``db status``."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    host = info.get("host") or "localhost"
    port = info.get("port") or "5432"
    return f"postgresql://{info.get('user') or ''}@{host}:{port}/{info.get('dbname') or ''}"


def _connect_kwargs(settings: CoreSettings) -> dict[str, Any]:
    return {
        "connect_timeout": max(1, round(settings.connect_timeout_s)),
        "options": f"-c statement_timeout={settings.statement_timeout_ms} -c timezone=UTC",
        "application_name": "netcomplaint",
    }


def connect(settings: CoreSettings, url: str | None = None, *, autocommit: bool = False) -> Conn:
    """Open one connection or raise DatabaseUnavailableError saying which server failed."""
    target = url or resolve_url(settings)
    try:
        return psycopg.connect(target, autocommit=autocommit, **_connect_kwargs(settings))
    except psycopg.OperationalError as exc:
        raise DatabaseUnavailableError(
            f"cannot reach the database at {describe_url(target)}: {str(exc).strip()}"
        ) from exc


@contextmanager
def connection(settings: CoreSettings, url: str | None = None) -> Iterator[Conn]:
    """A connection whose transaction commits on success and rolls back on error."""
    conn = connect(settings, url)
    try:
        with conn:
            yield conn
    finally:
        conn.close()


def open_pool(
    settings: CoreSettings,
    url: str | None = None,
    *,
    check: Callable[[Conn], None] | None = None,
    reconnect_failed: Callable[[ConnectionPool[Conn]], None] | None = None,
) -> ConnectionPool[Conn]:
    """A pool created closed and opened by the caller (FastAPI lifespan); fails fast when down.

    ``check`` replaces the default liveness check of a connection handed out (it must raise
    when the connection is broken); ``reconnect_failed`` is called when a reconnection gives up
    (the API uses both to notice an outage at once).
    """
    target = url or resolve_url(settings)
    pool: ConnectionPool[Conn] = ConnectionPool(
        target,
        min_size=settings.pool_min_size,
        max_size=settings.pool_max_size,
        kwargs=_connect_kwargs(settings),
        open=False,
        timeout=settings.connect_timeout_s,
        # 0: a lost connection is retried at once, then dropped; the pool grows again on the
        # next request, so a restarted server is picked up without a restart of ours
        reconnect_timeout=0,
        check=check or ConnectionPool.check_connection,
        reconnect_failed=reconnect_failed,
        name="netcomplaint",
    )
    return pool


def has_timescaledb(conn: Conn) -> bool:
    row = conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'").fetchone()
    return row is not None


def dict_cursor(conn: Conn) -> psycopg.Cursor[dict[str, Any]]:
    return conn.cursor(row_factory=dict_row)
