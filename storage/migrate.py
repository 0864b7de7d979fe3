"""Versioned SQL migrations.

Files in ``storage/sql/migrations`` are named ``NNN_name.sql`` (every backend), or come as a pair
``NNN_name.plain.sql`` / ``NNN_name.timescale.sql`` where TimescaleDB does a thing differently
(hypertables, continuous aggregates). Version ranges by domain: 001–009 storage, 010–019 ingest,
020–029 diagnostics, 030–039 work orders, 040–049 geo, 050–059 reports and warnings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

from storage.db import Conn

_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+?)(?:\.(plain|timescale))?\.sql$")
_LOCK_ID = 0x6E63_6D67  # "ncmg": serialises concurrent `db init`s


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    backend: str | None  # None = every backend
    sql: str


def available_migrations() -> list[Migration]:
    found: list[Migration] = []
    for entry in resources.files("storage").joinpath("sql/migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(
                Migration(int(match[1]), match[2], match[3], entry.read_text(encoding="utf-8"))
            )
    return sorted(found, key=lambda m: (m.version, m.backend or ""))


def latest_version() -> int:
    return max(m.version for m in available_migrations())


def _timescale_wanted(conn: Conn) -> bool:
    row = conn.execute(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'"
    ).fetchone()
    return row is not None


def current_version(conn: Conn) -> int | None:
    exists = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        return None
    row = conn.execute("SELECT max(version) FROM schema_migrations").fetchone()
    return int(row[0]) if row and row[0] is not None else None


def _statements(sql: str) -> list[str]:
    """Split on semicolons that end a line (our migration files keep to that layout)."""
    return [part.strip() for part in re.split(r";\s*$", sql, flags=re.M) if _has_code(part)]


def _has_code(part: str) -> bool:
    return any(line.strip() and not line.strip().startswith("--") for line in part.splitlines())


def migrate(conn: Conn) -> list[str]:
    """Apply what is missing and return the names applied.

    Needs an autocommit connection: each version runs in its own transaction, except
    TimescaleDB files, whose continuous aggregates can't be created inside one and so run
    statement by statement (each idempotent, so a retry after a failure is safe).
    """
    if not conn.autocommit:
        raise ValueError("migrate() needs an autocommit connection")
    applied: list[str] = []
    # DDL on big tables (an index over months of KPIs) takes minutes: no API statement timeout
    conn.execute("SET statement_timeout = 0")
    conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_ID,))
    try:
        conn.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                   version integer PRIMARY KEY, name text NOT NULL, backend text NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT now())"""
        )
        done = {int(r[0]) for r in conn.execute("SELECT version FROM schema_migrations")}
        backend_row = conn.execute(
            "SELECT backend FROM schema_migrations WHERE backend <> 'any' ORDER BY version LIMIT 1"
        ).fetchone()
        if backend_row:
            backend = str(backend_row[0])  # never switch backend under existing data
        else:
            backend = "timescale" if _timescale_wanted(conn) else "plain"
            if backend == "timescale":
                conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
        for migration in available_migrations():
            if migration.version in done or migration.backend not in (None, backend):
                continue
            record = (migration.version, migration.name, migration.backend or "any")
            insert = "INSERT INTO schema_migrations (version, name, backend) VALUES (%s, %s, %s)"
            if migration.backend == "timescale":
                for statement in _statements(migration.sql):
                    conn.execute(statement.encode())
                conn.execute(insert, record)
            else:
                with conn.transaction():
                    conn.execute(migration.sql.encode())
                    conn.execute(insert, record)
            done.add(migration.version)
            applied.append(f"{migration.version:03d}_{migration.name}")
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_ID,))
    return applied
