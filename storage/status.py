"""``db status``: which database, which schema version, TimescaleDB on/off, rows per table."""

from __future__ import annotations

from dataclasses import dataclass, field

from psycopg import sql

from storage.db import Conn, has_timescaledb
from storage.migrate import current_version


@dataclass
class DatabaseStatus:
    database: str
    schema_version: int | None
    timescaledb: bool
    tables: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {
            "database": self.database,
            "schema_version": self.schema_version,
            "timescaledb": self.timescaledb,
            "tables": self.tables,
        }


def user_tables(conn: Conn) -> list[str]:
    rows = conn.execute(
        """SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
             AND c.relname <> 'schema_migrations' AND NOT c.relispartition
           ORDER BY c.relname"""
    ).fetchall()
    return [str(r[0]) for r in rows]


def database_status(conn: Conn, database: str) -> DatabaseStatus:
    status = DatabaseStatus(database, current_version(conn), has_timescaledb(conn))
    for table in user_tables(conn):
        row = conn.execute(
            sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
        ).fetchone()
        status.tables[table] = int(row[0]) if row else 0
    return status
