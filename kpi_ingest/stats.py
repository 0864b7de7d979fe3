"""Planner statistics after bulk loads.

A table loaded inside the current transaction still has the statistics of before (often "empty"),
and the planner then joins it by scanning it once per key. ANALYZE sees the transaction's own
rows, so running it when the estimate is far below what was just loaded keeps plans sane.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from storage.db import Conn


def refresh_if_stale(conn: Conn, table: str, rows_added: int) -> bool:
    """ANALYZE ``table`` when its row estimate is below the rows just added; True if it ran."""
    row = conn.execute(
        "SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)", (table,)
    ).fetchone()
    estimate = float(row[0]) if row and row[0] is not None else -1.0
    if estimate >= rows_added:
        return False
    conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))
    return True


def make_visible(conn: Conn, *tables: str) -> str | None:
    """VACUUM (ANALYZE) after a load, outside any transaction; returns a note if it failed.

    Freshly loaded pages aren't marked all-visible until a vacuum sees them, and until then
    index-only scans (the diagnosis's KPI and MR reads) fetch every row from the table anyway;
    autovacuum gets there only after a fifth of the table has been inserted. The load is already
    committed, so a failed vacuum is only a note: autovacuum catches up later."""
    conn.commit()
    was = conn.autocommit
    conn.autocommit = True
    try:
        conn.execute("SET statement_timeout = 0")  # as long as the table needs
        for table in tables:
            conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(table)))
    except psycopg.Error as exc:
        return f"vacuum after the load failed ({exc}); queries are slower until autovacuum runs"
    finally:
        conn.autocommit = was
    return None
